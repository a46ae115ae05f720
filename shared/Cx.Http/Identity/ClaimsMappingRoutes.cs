using Cx.Http.OpenApi;
using Cx.Http.Requests;

namespace Cx.Http.Identity;

public static class ClaimsMappingRoutes
{
    public const string ByKey = "v1/claims-mappings/{issuerKey}";

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo ClaimsMappingJson =>
        Core.Content.DefinitionJson.Options.GetTypeInfo(typeof(Core.Identity.ClaimsMapping));

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "GetClaimsMapping",
                Method = "GET",
                Route = ByKey,
                Tag = ApiTags.Administration,
                Summary = "Read the claims mapping of an SSO issuer",
                Parameters = [ApiParameters.IfNoneMatch],
                Responses =
                [
                    new(200, "The mapping.") { Schema = ApiSchemaRef.FromJson(ClaimsMappingJson), Headers = [ApiHeaders.ETag] },
                    new(304, "Not modified.") { Headers = [ApiHeaders.ETag] },
                ],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "PutClaimsMapping",
                Method = "PUT",
                Route = ByKey,
                Tag = ApiTags.Administration,
                Summary = "Create or replace the claims mapping of an SSO issuer",
                Parameters = [ApiParameters.IfMatch],
                RequestBody = new(ApiSchemaRef.FromJsonRequest(ClaimsMappingJson), [RequestBody.Json], "The mapping."),
                Responses =
                [
                    new(200, "Replaced.") { Schema = ApiSchemaRef.FromJson(ClaimsMappingJson), Headers = [ApiHeaders.ETag] },
                    new(201, "Created.")
                    {
                        Schema = ApiSchemaRef.FromJson(ClaimsMappingJson),
                        Headers = [ApiHeaders.ETag, ApiHeaders.Location],
                    },
                ],
                Problems = [400, 412, 413, 415],
            },
            new()
            {
                OperationId = "DeleteClaimsMapping",
                Method = "DELETE",
                Route = ByKey,
                Tag = ApiTags.Administration,
                Summary = "Delete the claims mapping of an SSO issuer",
                Parameters = [ApiParameters.IfMatch],
                Responses = [new(204, "Deleted.")],
                Problems = [400, 404, 412],
            },
        ];
}
