using Cx.Http.OpenApi;

namespace Cx.Http.Platform;

public static class SystemRoutes
{
    public const string Health = "v1/health";

    public const string OpenApi = "v1/openapi.json";

    /// <summary>The OpenAPI document of v2 (only the v2 operations); v1's stays at <see cref="OpenApi"/>.</summary>
    public const string OpenApiV2 = "v2/openapi.json";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "Health",
                Anonymous = true,
                Method = "GET",
                Route = Health,
                Tag = ApiTags.System,
                Summary = "Check health",
                Description = "200 once storage and the content definitions are reachable.",
                Responses = [new(200, "Healthy.") { Schema = ApiSchemaRef.FromJson(HttpJsonContext.Default.HealthReport) }],
                Problems = [400],
            },
            OpenApiDocument("GetOpenApiDocument", OpenApi, "v1"),
            OpenApiDocument("GetOpenApiDocumentV2", OpenApiV2, "v2"),
        ];

    private static ApiOperation OpenApiDocument(string operationId, string route, string version) =>
        new()
        {
            OperationId = operationId,
            Anonymous = true,
            Method = "GET",
            Route = route,
            Tag = ApiTags.System,
            Summary = $"This OpenAPI document ({version})",
            Description =
                $"The operations of API version {version} only; each version has its own document. Generated from the current content "
                + "types: a field added to a type appears here at once. Cache it with If-None-Match.",
            Parameters = [ApiParameters.IfNoneMatch],
            Responses =
            [
                new(200, "The OpenAPI 3.1 document.")
                {
                    Schema = ApiSchemaRef.Named(CommonSchemas.OpenApiDocument),
                    Headers = [ApiHeaders.ETag],
                },
                new(304, "Not modified: the definitions have not changed.") { Headers = [ApiHeaders.ETag] },
            ],
            Problems = [400],
        };
}
