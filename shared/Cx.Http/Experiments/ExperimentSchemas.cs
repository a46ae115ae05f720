using Cx.Core.Experiments;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Experiments;

/// <summary>The experiment document and its input form.</summary>
public static class ExperimentSchemas
{
    public const string ExperimentDocument = "ExperimentDocument";

    public const string ExperimentInput = "ExperimentInput";

    [ApiDefinitionSchemas]
    internal static void Describe(DefinitionSchemas schemas)
    {
        schemas.AddDocument<ExperimentDefinition>(
            ExperimentDocument,
            ExperimentDocuments.Experiment,
            "An experiment: the flag or placement it tests, its arms and weights, the unit, the metrics, the dates and the status.",
            adjust: Require
        );
        schemas.AddInput<ExperimentDefinition>(ExperimentInput, "An experiment as a client sends it.", Require);
    }

    private static void Require(OpenApiSchema schema)
    {
        foreach (var name in (string[])["key", "name", "target", "control", "variations", "primaryMetric", "start", "plannedEnd"])
        {
            schema.Required!.Add(name);
        }
    }
}
