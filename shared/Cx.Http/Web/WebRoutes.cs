using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Web;

/// <summary>
/// The routes of the front end built from <c>shared/Cx.Web</c>: the API reference of each version,
/// the GraphQL explorer and the assets they load. Anonymous HTML and files, each with its own
/// Content-Security-Policy (<see cref="WebPage"/>).
/// </summary>
public static class WebRoutes
{
    /// <summary>The API reference (Scalar) opened on v1's document; v2's is one click away.</summary>
    public const string Reference = "v1/reference";

    /// <summary>The API reference opened on v2's document.</summary>
    public const string ReferenceV2 = "v2/reference";

    /// <summary>The GraphQL explorer (GraphiQL) against <c>/api/v1/graphql</c>.</summary>
    public const string GraphQLExplorer = "v1/graphql/explorer";

    /// <summary>A content-hashed file of the built front end (scripts, styles, workers, fonts).</summary>
    public const string Asset = "web/{file}";

    /// <summary>The file names the build writes: name, hash, extension.</summary>
    public const string AssetPattern = "^[A-Za-z0-9._-]{1,120}$";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            Page(
                "GetApiReference",
                Reference,
                "The API reference (v1)",
                "An interactive reference of this API built from /api/v1/openapi.json, with v2's document one click away. "
                    + "Everything it loads comes from this host."
            ),
            Page(
                "GetApiReferenceV2",
                ReferenceV2,
                "The API reference (v2)",
                "The reference page opened on /api/v2/openapi.json, with v1's document one click away."
            ),
            Page(
                "GetGraphQLExplorer",
                GraphQLExplorer,
                "The GraphQL explorer",
                "GraphiQL against /api/v1/graphql: the schema, completion and documentation of the caller's view. Paste an "
                    + "access token into its token field (or set an Authorization header in its headers editor); the page "
                    + "sends it only to this host and keeps it in memory."
            ),
            new()
            {
                OperationId = "GetWebAsset",
                Anonymous = true,
                Method = "GET",
                Route = Asset,
                Tag = ApiTags.System,
                Summary = "A file of the web pages",
                Description =
                    "A script, style sheet, worker or font that the pages load. Names carry a hash of the content, so a file "
                    + "never changes: cached for a year as immutable.",
                Parameters =
                [
                    new(
                        "file",
                        ApiParameterLocation.Path,
                        "The file's name, as a page names it.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = AssetPattern })
                    )
                    {
                        Required = true,
                    },
                    ApiParameters.IfNoneMatch,
                ],
                Responses =
                [
                    new(200, "The file.")
                    {
                        FileMediaTypes = ["text/javascript", "text/css", "font/ttf", "text/plain"],
                        Headers = [ApiHeaders.ETag],
                    },
                    new(304, "Not modified.") { Headers = [ApiHeaders.ETag] },
                ],
                Problems = [400, 404],
            },
        ];

    private static ApiOperation Page(string operationId, string route, string summary, string description) =>
        new()
        {
            OperationId = operationId,
            Anonymous = true,
            Method = "GET",
            Route = route,
            Tag = ApiTags.System,
            Summary = summary,
            Description = description + " An HTML page for people, revalidated on every load.",
            Parameters = [ApiParameters.IfNoneMatch],
            Responses =
            [
                new(200, "The page.") { FileMediaTypes = ["text/html"], Headers = [ApiHeaders.ETag] },
                new(304, "Not modified.") { Headers = [ApiHeaders.ETag] },
            ],
            Problems = [400],
        };
}
