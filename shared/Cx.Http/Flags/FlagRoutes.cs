using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Flags;

public static class FlagRoutes
{
    public const string Collection = "v1/flags";

    public const string ByKey = "v1/flags/{flagKey}";

    /// <summary><c>POST</c>: the draft becomes the next release.</summary>
    public const string Publish = "v1/flags/{flagKey}/publish";

    public const string Versions = "v1/flags/{flagKey}/versions";

    /// <summary><c>POST</c>: what the published flag serves a context.</summary>
    public const string Evaluate = "v1/flags/{flagKey}/evaluate";

    public static string Location(string key) => ApiRoutes.Path("v1/flags/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(FlagSchemas.FlagDocument);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(FlagSchemas.FlagInput);

    private static readonly ApiSchemaRef Release = ApiSchemaRef.Named(FlagSchemas.ReleaseDocument);

    private static OpenApiSchema EvaluateBody() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["context"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description =
                        "The evaluation context: targetingKey is the unit id (a customer or anonymous id: 1-64 letters, digits, '-' or '_'); "
                        + "the other attributes are customer fields that rule criteria read.",
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["targetingKey"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            MinLength = 1,
                            MaxLength = 64,
                            Pattern = "^[A-Za-z0-9_-]{1,64}$",
                        },
                    },
                },
            },
            AdditionalPropertiesAllowed = false,
        };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListFlags", Collection, ApiTags.Flags, "List feature flags", Document, filter: null),
            RestOperations
                .Create("CreateFlag", Collection, ApiTags.Flags, "Create a feature flag (a draft)", Input, Document)
                .WithDescription(
                    "Saves the draft; nothing is served until it is published. Variations, rules (criteria over customer fields and "
                        + "segments), rollouts (weights summing to 10000) and prerequisites (no cycles) are checked; every problem is "
                        + "reported with its JSON Pointer and nothing is written."
                ),
            RestOperations.Get(
                "GetFlag",
                ByKey,
                ApiTags.Flags,
                "Read a feature flag (draft and published release)",
                Document,
                fields: false
            ),
            RestOperations
                .Replace("ReplaceFlag", ByKey, ApiTags.Flags, "Change the draft of a feature flag", Input, Document)
                .WithDescription(
                    "The published release keeps serving until the draft is published. Saving an unchanged draft writes nothing."
                ),
            RestOperations
                .Delete("DeleteFlag", ByKey, ApiTags.Flags, "Delete a feature flag and its history")
                .WithProblems(409)
                .WithDescription("Refused (409) while another flag names it as a prerequisite."),
            new()
            {
                OperationId = "PublishFlag",
                Method = "POST",
                Route = Publish,
                Tag = ApiTags.Flags,
                Summary = "Publish the draft of a feature flag",
                Description =
                    "The draft, validated again against the published releases of the other flags, becomes the next release (kept in "
                    + ".../versions) and is what evaluation serves from now on. Publishing a draft equal to the release writes nothing.",
                Parameters = [ApiParameters.IfMatch],
                Responses = [new(200, "The flag document with its new release.") { Schema = Document, Headers = [ApiHeaders.ETag] }],
                Problems = [400, 404, 412],
            },
            RestOperations
                .List("ListFlagVersions", Versions, ApiTags.Flags, "The releases of a feature flag, newest first", Release, filter: null)
                .WithProblems(404),
            new()
            {
                OperationId = "EvaluateFlag",
                Method = "POST",
                Route = Evaluate,
                Tag = ApiTags.Flags,
                Summary = "Evaluate a published feature flag for a context",
                Description =
                    "Serves the published release: off, prerequisites, rules in order, then the fallthrough. A unit placed by a rollout "
                    + "is stored and keeps its variation when the rollout is lowered (docs/experiments.md).",
                RequestBody = new(ApiSchemaRef.Inline(EvaluateBody), [RequestBody.Json], "The evaluation context."),
                Responses =
                [
                    new(200, "What the flag serves.") { Schema = ApiSchemaRef.FromJson(FlagJsonContext.Default.FlagEvaluationView) },
                ],
                Problems = [400, 404, 413, 415],
            },
        ];
}
