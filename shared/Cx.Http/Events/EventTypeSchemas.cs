using Cx.Core.Events;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Events;

/// <summary>The definition documents of the event-type registry: event types and the registry-wide settings.</summary>
public static class EventTypeSchemas
{
    public const string EventTypeDocument = "EventTypeDefinition";

    public const string EventTypeInput = "EventTypeDefinitionInput";

    public const string EventTypeSettingsDocument = "EventTypeSettings";

    public const string EventTypeSettingsInput = "EventTypeSettingsInput";

    /// <summary>Event-type keys: what <see cref="EventTypeRegistry.IsEventTypeKey"/> accepts.</summary>
    public const string EventTypeKeyPattern = "^[a-z][a-z0-9_.-]{0,63}$";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<EventTypeDefinition>(
            EventTypeDocument,
            EventTypeRegistry.Document,
            "An event type: the name clients send and the schema of its properties.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = EventTypeKeyPattern,
                Description = "The key.",
            }
        );
        schemas.AddInput<EventTypeDefinition>(EventTypeInput, "An event type as a client sends it.");
        schemas.AddDocument<EventTypeSettings>(
            EventTypeSettingsDocument,
            EventTypeRegistry.SettingsDocument,
            "Registry-wide event settings. Until a document is saved, the configured defaults are shown without timestamps or ETag.",
            SchemaBuilder.Enumeration([EventTypeRegistry.SettingsId], "Always 'settings'."),
            settings =>
            {
                settings.Required!.Remove("createdAt");
                settings.Required.Remove("updatedAt");
            }
        );
        schemas.AddInput<EventTypeSettings>(EventTypeSettingsInput, "The settings as a client sends them.");
        schemas.Customize(
            (declaringType, name, schema) =>
            {
                if (name == "key" && declaringType == typeof(EventTypeDefinition))
                {
                    schema.Pattern = EventTypeKeyPattern;
                    schema.Description = "1-64 of a-z, 0-9, '_', '.', '-', starting with a letter; fixed once created.";
                }
            }
        );
    }
}
