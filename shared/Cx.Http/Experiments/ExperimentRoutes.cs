using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Experiments;

public static class ExperimentRoutes
{
    public const string Collection = "v1/experiments";

    public const string ByKey = "v1/experiments/{experimentKey}";

    /// <summary><c>POST</c>: the arm of a unit in a running experiment.</summary>
    public const string Assign = "v1/experiments/{experimentKey}/assign";

    /// <summary><c>POST</c>: start a significance run now; <c>GET</c>: the last run.</summary>
    public const string Runs = "v1/experiment-runs";

    public static string Location(string key) => ApiRoutes.Path("v1/experiments/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(ExperimentSchemas.ExperimentDocument);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(ExperimentSchemas.ExperimentInput);

    private static OpenApiSchema AssignBody() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "unitId" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["unitId"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    MinLength = 1,
                    MaxLength = 64,
                    Pattern = "^[A-Za-z0-9_-]{1,64}$",
                    Description = "The unit: a customer id or an anonymous id, as the experiment's unit says.",
                },
                ["expose"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Boolean,
                    Description = "Append the unit's experiment.exposure event (default true).",
                },
            },
            AdditionalPropertiesAllowed = false,
        };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListExperiments", Collection, ApiTags.Flags, "List experiments", Document, filter: null),
            RestOperations
                .Create("CreateExperiment", Collection, ApiTags.Flags, "Create an experiment", Input, Document)
                .WithDescription(
                    "The target (a flag or a placement), the variations (what each serves, weights summing to 10000), the control, the "
                        + "unit, the metrics, the dates and the status (draft or running) are checked; every problem is reported with its "
                        + "JSON Pointer and nothing is written."
                ),
            RestOperations.Get("GetExperiment", ByKey, ApiTags.Flags, "Read an experiment", Document, fields: false),
            RestOperations
                .Replace("ReplaceExperiment", ByKey, ApiTags.Flags, "Change an experiment (its status too)", Input, Document)
                .WithDescription(
                    "Status goes draft → running ⇄ paused → ended. Once started, target, unit, control and variations are locked so no "
                        + "unit changes arm."
                ),
            RestOperations
                .Delete("DeleteExperiment", ByKey, ApiTags.Flags, "Delete a draft experiment")
                .WithProblems(409)
                .WithDescription("Only drafts are deleted (409 otherwise): an experiment that ran is ended and kept."),
            new()
            {
                OperationId = "AssignExperiment",
                Method = "POST",
                Route = Assign,
                Tag = ApiTags.Flags,
                Summary = "Assign a unit to an arm of a running experiment",
                Description =
                    "Deterministic and stable: the bucket of the unit (MurmurHash3 of experiment key and unit id into 10,000 buckets, "
                    + "docs/experiments.md) picks the arm by the weights. Appends the unit's experiment.exposure event, one per unit and "
                    + "experiment. 409 when the experiment is not running.",
                RequestBody = new(ApiSchemaRef.Inline(AssignBody), [RequestBody.Json], "The unit."),
                Responses =
                [
                    new(200, "The arm of the unit.")
                    {
                        Schema = ApiSchemaRef.FromJson(ExperimentJsonContext.Default.ExperimentAssignmentView),
                    },
                ],
                Problems = [400, 404, 409, 413, 415],
            },
            new()
            {
                OperationId = "StartExperimentRun",
                Method = "POST",
                Route = Runs,
                Tag = ApiTags.Flags,
                Summary = "Start a significance run now",
                Description =
                    "Starts the singleton Durable orchestration that analyzes every running experiment (docs/experiments.md, "
                    + "\"Significance\"), as the timer does. A run id names the run: a document that already holds that run's "
                    + "analysis is not written again. 409 while a run is pending or running.",
                RequestBody = new(ApiSchemaRef.Inline(RunBody), [RequestBody.Json], "Optionally the run id."),
                Responses =
                [
                    new(202, "Started; read it with GET.")
                    {
                        Schema = ApiSchemaRef.FromJson(ExperimentJsonContext.Default.SignificanceRunState),
                    },
                ],
                Problems = [400, 409, 413, 415],
            },
            new()
            {
                OperationId = "GetExperimentRun",
                Method = "GET",
                Route = Runs,
                Tag = ApiTags.Flags,
                Summary = "Read the last significance run",
                Description =
                    "Its status (pending, running, completed, failed) and, once completed, per experiment the decision, whether the "
                    + "document was written, the sample-ratio test and every metric per arm. 404 before the first run.",
                Responses =
                [
                    new(200, "The last run.") { Schema = ApiSchemaRef.FromJson(ExperimentJsonContext.Default.SignificanceRunState) },
                ],
                Problems = [400, 404],
            },
        ];

    private static OpenApiSchema RunBody() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["runId"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    MinLength = 1,
                    MaxLength = 64,
                    Pattern = "^[A-Za-z0-9_.:-]{1,64}$",
                    Description = "The run id (default: run- and the UTC time).",
                },
            },
            AdditionalPropertiesAllowed = false,
        };
}
