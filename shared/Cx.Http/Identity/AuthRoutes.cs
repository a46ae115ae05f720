using Cx.Http.OpenApi;
using Cx.Http.Requests;

namespace Cx.Http.Identity;

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
                    + "and RFC 8693 token exchange of an SSO id_token (customers). client_type=web puts the refresh token in an HttpOnly cookie. "
                    + "Each grant needs its own fields: password needs username and password, refresh_token needs refresh_token "
                    + "(or the refresh cookie of a web client), token exchange needs subject_token and subject_token_type.",
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
