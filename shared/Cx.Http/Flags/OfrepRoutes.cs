using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Flags;

/// <summary>
/// The OpenFeature Remote Evaluation Protocol (OFREP) routes. Under the host's <c>api</c> prefix
/// they are <c>/api/ofrep/v1/evaluate/flags[/{flagKey}]</c>: point a stock OFREP provider at
/// <c>https://{host}/api</c> (it appends <c>/ofrep/v1/...</c>).
/// </summary>
public static class OfrepRoutes
{
    public const string Single = "ofrep/v1/evaluate/flags/{flagKey}";

    public const string Bulk = "ofrep/v1/evaluate/flags";

    private static OpenApiSchema Body() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["context"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description =
                        "The OpenFeature evaluation context: targetingKey is the unit id (1-64 letters, digits, '-' or '_'); the other "
                        + "attributes are customer fields that rule criteria read.",
                },
            },
            AdditionalPropertiesAllowed = false,
        };

    private const string Errors =
        "Failures are problem+json that also carry OFREP's key, errorCode (FLAG_NOT_FOUND, PARSE_ERROR, TARGETING_KEY_MISSING, "
        + "INVALID_CONTEXT, GENERAL) and errorDetails, so stock OFREP providers read them.";

    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "OfrepEvaluateFlag",
                Method = "POST",
                Route = Single,
                Tag = ApiTags.Flags,
                Summary = "OFREP: evaluate one flag",
                Description = "The OpenFeature Remote Evaluation Protocol's single evaluation of a published flag. " + Errors,
                RequestBody = new(ApiSchemaRef.Inline(Body), [RequestBody.Json], "The evaluation request."),
                Responses = [new(200, "The evaluation.") { Schema = ApiSchemaRef.FromJson(FlagJsonContext.Default.OfrepFlagView) }],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "OfrepEvaluateFlags",
                Method = "POST",
                Route = Bulk,
                Tag = ApiTags.Flags,
                Summary = "OFREP: evaluate every published flag",
                Description =
                    "The OpenFeature Remote Evaluation Protocol's bulk evaluation, with an ETag over the answer: a request whose "
                    + "If-None-Match names it is a 304. A flag that cannot be evaluated for the context is an item with errorCode. "
                    + Errors,
                Parameters = [ApiParameters.IfNoneMatch],
                RequestBody = new(ApiSchemaRef.Inline(Body), [RequestBody.Json], "The evaluation request."),
                Responses =
                [
                    new(200, "Every published flag.")
                    {
                        Schema = ApiSchemaRef.FromJson(FlagJsonContext.Default.OfrepBulkView),
                        Headers = [ApiHeaders.ETag],
                    },
                    new(304, "Not modified: If-None-Match names the answer's ETag.") { Headers = [ApiHeaders.ETag] },
                ],
                Problems = [400, 413, 415],
            },
        ];
}
