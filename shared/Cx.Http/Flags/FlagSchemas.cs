using Cx.Core.Flags;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Flags;

/// <summary>The flag definition document, its input form and the release documents of its history.</summary>
public static class FlagSchemas
{
    public const string FlagDocument = "FlagDocument";

    public const string FlagInput = "FlagDraftInput";

    public const string ReleaseDocument = "FlagReleaseDocument";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<FlagDefinition>(
            FlagDocument,
            FlagDocuments.Flag,
            "A feature flag: the draft editors change and the published release evaluation serves.",
            adjust: Require
        );
        schemas.AddInput<FlagDefinition>(
            FlagInput,
            "A feature flag draft as a client sends it (published is written by publishing only).",
            schema =>
            {
                Require(schema);
                schema.Properties?.Remove("published");
            }
        );
        schemas.AddDocument<FlagRelease>(
            ReleaseDocument,
            FlagDocuments.Version,
            "One published version of a feature flag.",
            idSchema: new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Pattern = "^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?\\.[1-9][0-9]*$",
                Description = "{flagKey}.{version}",
            }
        );
        schemas.Customize(Customize);
    }

    private static void Require(OpenApiSchema schema)
    {
        foreach (var name in (string[])["key", "name", "variations", "offVariation"])
        {
            schema.Required!.Add(name);
        }
    }

    private static void Customize(Type declaringType, string name, OpenApiSchema schema)
    {
        switch (declaringType.Name, name)
        {
            case (nameof(FlagVariation), "value"):
                schema.Type = null;
                schema.Description = "The JSON value served: a boolean, string, number or object as the flag's type says.";
                break;
            case (nameof(FlagRule), "criteria"):
                schema.Type = JsonSchemaType.Object;
                schema.Description =
                    "A rule of the shared rule language over customer fields, read from the evaluation context (docs/segments.md; no behaviour conditions).";
                break;
            case (nameof(FlagRollout), "coverage"):
                schema.Minimum = "0";
                schema.Maximum = "10000";
                schema.Description = "Basis points of units included (bucket < coverage); the others fall through.";
                break;
            case (nameof(FlagWeight), "weight"):
                schema.Minimum = "0";
                schema.Maximum = "10000";
                schema.Description = "Basis points; the weights of a rollout sum to 10000.";
                break;
            case (nameof(FlagDefinition), "valueType"):
                schema.Description = "The type of every variation's value: boolean, string, number or json (an object).";
                break;
            case (nameof(FlagDefinition), "published"):
                schema.Description = "The release evaluation serves (written by publishing; absent until the first publish).";
                break;
        }
    }
}
