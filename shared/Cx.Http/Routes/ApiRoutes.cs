using Cx.Http.Endpoints;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Routes;

/// <summary>
/// Every route of the API, version first, lower-case plural nouns. The function app's
/// host.json keeps the <see cref="Prefix"/>; tests hold these equal to functions.metadata.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The route prefix of host.json (<c>extensions.http.routePrefix</c>).</summary>
    public const string Prefix = "api";

    public static string Path(string route) => "/" + Prefix + "/" + route;
}

public static class AuthRoutes
{
    public const string Token = "v1/auth/token";

    public const string Revoke = "v1/auth/revoke";

    public const string SignOut = "v1/auth/sign-out";

    public const string SignOutEverywhere = "v1/auth/sign-out-everywhere";

    public const string Me = "v1/auth/me";

    public const string Jwks = "v1/auth/jwks.json";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "IssueToken",
                Anonymous = true,
                Method = "POST",
                Route = Token,
                Tag = ApiTags.Auth,
                Summary = "Sign in, refresh, or exchange an SSO id_token",
                Description =
                    "OAuth-style grants as a form or JSON: password (staff), refresh_token (rotation; a reused refresh token revokes its session), "
                    + "and RFC 8693 token exchange of an SSO id_token (customers). client_type=web puts the refresh token in an HttpOnly cookie.",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(TokenJsonContext.Default.TokenRequest),
                    ["application/x-www-form-urlencoded", RequestBody.Json],
                    "The grant."
                ),
                Responses = [new(200, "Tokens.") { Schema = ApiSchemaRef.FromJson(TokenJsonContext.Default.TokenResponse) }],
                Problems = [400, 403, 413, 415],
            },
            new()
            {
                OperationId = "RevokeToken",
                Anonymous = true,
                Method = "POST",
                Route = Revoke,
                Tag = ApiTags.Auth,
                Summary = "Revoke a refresh token (RFC 7009)",
                Description =
                    "Ends the session the refresh token (body or cookie) belongs to. Answers 200 whether or not the token was known.",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(TokenJsonContext.Default.RevokeRequest),
                    ["application/x-www-form-urlencoded", RequestBody.Json],
                    "The refresh token (or none: the cookie is used)."
                ),
                Responses = [new(200, "Revoked (or unknown).")],
                Problems = [400, 413, 415],
            },
            new()
            {
                OperationId = "SignOut",
                Method = "POST",
                Route = SignOut,
                Tag = ApiTags.Auth,
                Summary = "End this session",
                Responses = [new(204, "Signed out.")],
            },
            new()
            {
                OperationId = "SignOutEverywhere",
                Method = "POST",
                Route = SignOutEverywhere,
                Tag = ApiTags.Auth,
                Summary = "End every session of the caller",
                Description =
                    "Every access token issued until now stops working within the revocation bound (Cx:Auth:RevocationCacheSeconds).",
                Responses = [new(204, "Signed out everywhere.")],
            },
            new()
            {
                OperationId = "GetCurrentActor",
                Method = "GET",
                Route = Me,
                Tag = ApiTags.Auth,
                Summary = "Who am I",
                Responses = [new(200, "The caller.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.MeResponse) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "GetSigningKeys",
                Anonymous = true,
                Method = "GET",
                Route = Jwks,
                Tag = ApiTags.Auth,
                Summary = "The public keys of Cx tokens (JWKS)",
                Responses = [new(200, "The JWKS.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.JwksDocument) }],
                Problems = [400],
            },
        ];
}

public static class AccountRoutes
{
    public const string Collection = "v1/accounts";

    public const string ById = "v1/accounts/{accountId}";

    public const string Password = "v1/accounts/{accountId}/password";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "ListAccounts",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "List staff accounts",
                Parameters = [ApiParameters.Limit, ApiParameters.Cursor],
                Responses = [new(200, "A page.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.ItemsPageAccountView) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "CreateAccount",
                Method = "POST",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "Create a staff account",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.CreateAccountRequest),
                    [RequestBody.Json],
                    "The account."
                ),
                Responses =
                [
                    new(201, "Created.")
                    {
                        Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.AccountView),
                        Headers = [ApiHeaders.Location],
                    },
                ],
                Problems = [400, 409, 413, 415],
            },
            new()
            {
                OperationId = "GetAccount",
                Method = "GET",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Read a staff account",
                Responses = [new(200, "The account.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.AccountView) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "UpdateAccount",
                Method = "PATCH",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Change roles, name or the disabled flag; unlock",
                Description = "Changing roles or disabling the account signs it out everywhere.",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.UpdateAccountRequest),
                    [RequestBody.MergePatch, RequestBody.Json],
                    "The changes."
                ),
                Responses = [new(200, "The account.") { Schema = ApiSchemaRef.FromJson(IdentityJsonContext.Default.AccountView) }],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "SetAccountPassword",
                Method = "PUT",
                Route = Password,
                Tag = ApiTags.Administration,
                Summary = "Set a staff account's password",
                RequestBody = new(
                    ApiSchemaRef.FromJsonRequest(IdentityJsonContext.Default.SetPasswordRequest),
                    [RequestBody.Json],
                    "The new password."
                ),
                Responses = [new(204, "Set; the account is signed out everywhere.")],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "DeleteAccount",
                Method = "DELETE",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Delete a staff account",
                Responses = [new(204, "Deleted; its sessions are revoked.")],
                Problems = [400, 404],
            },
        ];
}

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

public static class AuditRoutes
{
    public const string Collection = "v1/audit";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "QueryAudit",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "Query the audit log",
                Description = "Newest first. filter[actor|action|outcome|targetType|targetId]=value and filter[at][gt|gte|lt|lte]=instant.",
                Parameters =
                [
                    new ApiParameter(
                        "filter",
                        ApiParameterLocation.Query,
                        "Equality on actor, action, outcome, targetType, targetId; ranges on at.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Object })
                    )
                    {
                        DeepObject = true,
                    },
                    ApiParameters.Limit,
                    ApiParameters.Cursor,
                ],
                Responses =
                [
                    new(200, "A page of entries.")
                    {
                        Schema = ApiSchemaRef.PageOf(ApiSchemaRef.FromJson(IdentityJsonContext.Default.AuditEntryView)),
                        Headers = [ApiHeaders.Link],
                    },
                ],
                Problems = [400],
            },
        ];
}

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
