using Cx.Core.Inbound;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Inbound;

/// <summary>The definition documents of inbound webhooks: sources.</summary>
public static class InboundSchemas
{
    public const string SourceDocument = "InboundSource";

    public const string SourceInput = "InboundSourceInput";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<InboundSource>(
            SourceDocument,
            InboundSourceRegistry.Document,
            "An inbound webhook source: how a vendor signs, where its ids are, and how its payload maps into tickets and interactions.",
            new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = InboundRoutes.KeyPattern,
                Description = "The key.",
            }
        );
        schemas.AddInput<InboundSource>(SourceInput, "An inbound source as a client sends it.");
        schemas.Customize(
            (declaringType, name, schema) =>
            {
                if (declaringType == typeof(InboundSource) && name == "key")
                {
                    schema.Pattern = InboundRoutes.KeyPattern;
                    schema.Description = "1-32 of a-z, 0-9, '-', starting with a letter: the route inbound/{key}; fixed once created.";
                }
                if (declaringType == typeof(InboundSignature) && name == "secret")
                {
                    schema.Pattern = "^[A-Za-z][A-Za-z0-9_-]{0,63}$";
                    schema.Description = "The NAME of the setting Cx:Inbound:Secrets:{name} that holds the secret; never the secret.";
                }
            }
        );
    }
}
