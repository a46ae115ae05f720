using Cx.Core.Webhooks;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Webhooks;

/// <summary>The definition documents of outbound webhooks: subscriptions.</summary>
public static class WebhookSchemas
{
    public const string SubscriptionDocument = "WebhookSubscription";

    public const string SubscriptionInput = "WebhookSubscriptionInput";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<WebhookSubscription>(
            SubscriptionDocument,
            WebhookRegistry.Document,
            "A webhook subscription: the events a receiver wants, its URL and the secrets that sign deliveries.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = WebhookRoutes.KeyPattern,
                Description = "The key.",
            }
        );
        schemas.AddInput<WebhookSubscription>(SubscriptionInput, "A webhook subscription as a client sends it.");
        schemas.Customize(
            (declaringType, name, schema) =>
            {
                if (declaringType == typeof(WebhookSubscription) && name == "key")
                {
                    schema.Pattern = WebhookRoutes.KeyPattern;
                    schema.Description = "1-64 of a-z, 0-9, '_', '-', starting with a letter; fixed once created.";
                }
                if (declaringType == typeof(WebhookSecret) && name == "value")
                {
                    schema.Pattern = "^whsec_[A-Za-z0-9+/]+={0,2}$";
                    schema.Description = "whsec_ followed by the base64 of 24 to 64 random bytes.";
                }
            }
        );
    }
}
