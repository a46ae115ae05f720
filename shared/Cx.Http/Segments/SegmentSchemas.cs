using Cx.Core.Segments;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Segments;

/// <summary>The segment definition document: its envelope, its rule and the limits of its properties.</summary>
public static class SegmentSchemas
{
    public const string SegmentDocument = "SegmentDefinition";

    public const string SegmentInput = "SegmentDefinitionInput";

    /// <summary>The body of <c>POST .../preview</c>: criteria and a sample size.</summary>
    public const string PreviewRequest = "SegmentPreviewRequest";

    /// <summary>The body of <c>POST .../dry-run</c>: criteria.</summary>
    public const string DryRunRequest = "SegmentDryRunRequest";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        Func<string, IOpenApiSchema>? reference = null;
        schemas.AddGroup(
            [.. SegmentCriteriaSchema.Names, PreviewRequest, DryRunRequest],
            r =>
            {
                reference = r;
                var built = SegmentCriteriaSchema.Build(r);
                built[PreviewRequest] = CriteriaBody(r, sample: true);
                built[DryRunRequest] = CriteriaBody(r, sample: false);
                return built;
            }
        );
        schemas.AddDocument<SegmentDefinition>(
            SegmentDocument,
            SegmentDocuments.Segment,
            "A segment: a rule over customer profiles and behaviour whose membership keeps itself up to date.",
            adjust: RequireRule
        );
        schemas.AddInput<SegmentDefinition>(SegmentInput, "A segment as a client sends it.", RequireRule);
        schemas.Customize((declaringType, name, schema) => Customize(declaringType, name, schema, reference!));
    }

    private const string CriteriaDescription =
        "The rule: comparisons, all/any/not, relative dates and behaviour conditions (docs/segments.md; the same JSON Schema as "
        + "docs/schemas/segment-criteria.schema.json). Fields and their value types come from the customer schema of the moment: "
        + "a field it does not have is a 400 unknown-field, a value of another type a 400 type, both pointing into /criteria.";

    private static OpenApiSchema Criteria(Func<string, IOpenApiSchema> reference) =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = CriteriaDescription,
            AllOf = [reference(SegmentCriteriaSchema.Root)],
        };

    private static OpenApiSchema CriteriaBody(Func<string, IOpenApiSchema> reference, bool sample)
    {
        var properties = new Dictionary<string, IOpenApiSchema> { ["criteria"] = Criteria(reference) };
        if (sample)
        {
            properties["sample"] = SchemaBuilder.Integer(
                0,
                new SegmentOptions().PreviewSampleSize,
                "How many matching customer ids to return: at most Cx:Segments:PreviewSampleSize, whose default is the maximum stated here."
            );
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = properties,
            Required = new SortedSet<string>(StringComparer.Ordinal) { "criteria" },
            AdditionalPropertiesAllowed = false,
        };
    }

    private static void RequireRule(OpenApiSchema schema)
    {
        foreach (var name in (string[])["key", "name", "criteria"])
        {
            schema.Required!.Add(name);
        }
    }

    private static void Customize(Type declaringType, string name, OpenApiSchema schema, Func<string, IOpenApiSchema> reference)
    {
        if (declaringType != typeof(SegmentDefinition))
        {
            return;
        }
        switch (name)
        {
            case "criteria":
                schema.Type = JsonSchemaType.Object;
                schema.Description = CriteriaDescription;
                schema.AllOf = [reference(SegmentCriteriaSchema.Root)];
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
