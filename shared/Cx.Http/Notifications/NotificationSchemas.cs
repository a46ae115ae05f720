using Cx.Core.Notifications;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Notifications;

/// <summary>The definition documents of notifications: triggers.</summary>
public static class NotificationSchemas
{
    public const string TriggerDocument = "NotificationTrigger";

    public const string TriggerInput = "NotificationTriggerInput";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<NotificationTrigger>(
            TriggerDocument,
            NotificationTriggerRegistry.Document,
            "A notification trigger: what fires it, for which customers, after what delay, which message on which channels.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = NotificationRoutes.KeyPattern,
                Description = "The key.",
            }
        );
        schemas.AddInput<NotificationTrigger>(TriggerInput, "A notification trigger as a client sends it.");
        schemas.Customize(
            (declaringType, name, schema) =>
            {
                if (declaringType == typeof(NotificationTrigger) && name == "key")
                {
                    schema.Pattern = NotificationRoutes.KeyPattern;
                    schema.Description = "1-64 of a-z, 0-9, '_', '-', starting with a letter; fixed once created.";
                }
                if (declaringType == typeof(TriggerSource) && name == "kind")
                {
                    schema.Description = "content, event or segment.";
                }
            }
        );
    }
}
