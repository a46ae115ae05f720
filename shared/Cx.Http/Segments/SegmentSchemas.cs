using Cx.Core.Segments;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Segments;

/// <summary>The segment definition document: its envelope, its rule and the limits of its properties.</summary>
public static class SegmentSchemas
{
    public const string SegmentDocument = "SegmentDefinition";

    public const string SegmentInput = "SegmentDefinitionInput";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<SegmentDefinition>(
            SegmentDocument,
            SegmentDocuments.Segment,
            "A segment: a rule over customer profiles and behaviour whose membership keeps itself up to date.",
            adjust: RequireRule
        );
        schemas.AddInput<SegmentDefinition>(SegmentInput, "A segment as a client sends it.", RequireRule);
        schemas.Customize(Customize);
    }

    private static void RequireRule(OpenApiSchema schema)
    {
        foreach (var name in (string[])["key", "name", "criteria"])
        {
            schema.Required!.Add(name);
        }
    }

    private static void Customize(Type declaringType, string name, OpenApiSchema schema)
    {
        if (declaringType != typeof(SegmentDefinition))
        {
            return;
        }
        switch (name)
        {
            case "criteria":
                schema.Type = JsonSchemaType.Object;
                schema.Description =
                    "The rule: comparisons, all/any/not, relative dates and behaviour conditions (docs/segments.md; JSON Schema in docs/schemas/segment-criteria.schema.json).";
                break;
            case "name":
                schema.MinLength = 1;
                schema.MaxLength = SegmentRules.MaxNameLength;
                schema.Description = "1-100 characters, shown to marketers.";
                break;
            case "status":
                schema.Description = "active: membership follows the rule; paused: frozen; archived: every member removed.";
                break;
            case "version":
                schema.Description = "The rule version: 1 when created, +1 with every change of the criteria (see .../versions).";
                break;
        }
    }
}
