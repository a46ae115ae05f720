using Cx.Http.OpenApi;
using Cx.Http.Requests;

namespace Cx.Http.Identity;

public static class ApiKeyRoutes
{
    public const string Collection = "v1/api-keys";

    public const string ById = "v1/api-keys/{keyId}";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "ListApiKeys",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "List API keys (never their secrets)",
                Parameters = [ApiParameters.Limit, ApiParameters.Cursor],
                Responses = [new(200, "A page.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.ItemsPageApiKeyView) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "CreateApiKey",
                Method = "POST",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "Create an API key",
                Description = "The secret is shown once, in this response. A public key can only carry events:write.",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.CreateApiKeyRequest),
                    [RequestBody.Json],
                    "The key."
                ),
                Responses =
                [
                    new(201, "Created.")
                    {
                        Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.CreatedApiKey),
                        Headers = [ApiHeaders.Location],
                    },
                ],
                Problems = [400, 413, 415],
            },
            new()
            {
                OperationId = "RevokeApiKey",
                Method = "DELETE",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Revoke an API key",
                Responses = [new(200, "Revoked.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.ApiKeyView) }],
                Problems = [400, 404],
            },
        ];
}
