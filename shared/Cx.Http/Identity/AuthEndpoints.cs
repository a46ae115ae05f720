using System.Text.Json;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Identity;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Identity;

/// <summary>The token response (RFC 6749 names); the refresh token is omitted for web clients (it is in the cookie).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string? RefreshToken, string SessionId);

/// <summary>Who the caller is.</summary>
public sealed record MeResponse(
    string Kind,
    string Subject,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Permissions,
    string? CustomerId,
    string? SessionId,
    string? Name
);

/// <summary>
/// Sign-in and sessions. <c>POST /auth/token</c> takes OAuth-style grants as a form or JSON:
/// <c>password</c> (staff), <c>refresh_token</c> (rotation) and RFC 8693 token exchange of an
/// SSO id_token (<c>urn:ietf:params:oauth:grant-type:token-exchange</c>). Web clients
/// (<c>client_type=web</c>) get the refresh token in an HttpOnly, Secure, SameSite=Strict cookie
/// scoped to the auth routes; mobile clients get it in the body.
/// </summary>
public sealed class AuthEndpoints(
    AccountService accounts,
    SessionService sessions,
    SsoService sso,
    TokenService tokens,
    AuditLog audit,
    IOptions<AuthOptions> auth,
    IOptions<HttpOptions> http
)
{
    public const string RefreshCookie = "cx_refresh";
    public const string CookiePath = "/api/v1/auth";
    public const string TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
    public const string IdTokenType = "urn:ietf:params:oauth:token-type:id_token";

    public async Task<IResult> TokenAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var parameters = await ReadParametersAsync(request, cancellationToken);
        var clientType = parameters.GetValueOrDefault("client_type") ?? "mobile";
        if (clientType is not ("web" or "mobile"))
        {
            throw new ValidationException(new FieldError("/client_type", "enum", "client_type is web or mobile."));
        }
        var grant = parameters.GetValueOrDefault("grant_type");
        TokenPair pair;
        switch (grant)
        {
            case "password":
                var username = Required(parameters, "username");
                var password = Required(parameters, "password");
                try
                {
                    var staff = await accounts.AuthenticateAsync(username, password, cancellationToken);
                    pair = await sessions.StartAsync(staff, clientType, cancellationToken);
                    using (CurrentActor.Use(staff with { SessionId = pair.SessionId }))
                    {
                        await audit.RecordAsync(
                            AuditActions.SignIn,
                            "account",
                            staff.Subject,
                            details: new { method = "password", client = clientType },
                            cancellationToken: cancellationToken
                        );
                    }
                }
                catch (UnauthorizedException)
                {
                    await audit.RecordAsync(
                        "email:" + username.Trim().ToLowerInvariant(),
                        null,
                        AuditActions.SignInFailed,
                        "account",
                        AccountService.AccountIdFor(username),
                        false,
                        new { method = "password" },
                        cancellationToken
                    );
                    throw;
                }
                break;
            case "refresh_token":
                var refresh =
                    parameters.GetValueOrDefault("refresh_token")
                    ?? request.Cookies[RefreshCookie]
                    ?? throw new ValidationException(
                        new FieldError("/refresh_token", "required", "refresh_token is required (or the refresh cookie).")
                    );
                pair = await sessions.RefreshAsync(refresh, cancellationToken);
                break;
            case TokenExchangeGrant:
                if (parameters.GetValueOrDefault("subject_token_type") != IdTokenType)
                {
                    throw new ValidationException(
                        new FieldError("/subject_token_type", "enum", $"subject_token_type must be {IdTokenType}.")
                    );
                }
                var idToken = Required(parameters, "subject_token");
                Actor actor;
                try
                {
                    actor = await sso.ExchangeAsync(idToken, cancellationToken);
                }
                catch (Exception ex) when (ex is UnauthorizedException or ForbiddenException)
                {
                    await audit.RecordAsync(
                        "sso",
                        null,
                        AuditActions.SignInFailed,
                        "identity-provider",
                        null,
                        false,
                        new { method = "sso", reason = ex.Message },
                        cancellationToken
                    );
                    throw;
                }
                pair = await sessions.StartAsync(actor, clientType, cancellationToken);
                using (CurrentActor.Use(actor with { SessionId = pair.SessionId }))
                {
                    await audit.RecordAsync(
                        AuditActions.SignIn,
                        actor.Kind == ActorKind.Customer ? "customer" : "account",
                        actor.Subject,
                        details: new { method = "sso", client = clientType },
                        cancellationToken: cancellationToken
                    );
                }
                break;
            default:
                throw new ValidationException(
                    new FieldError(
                        "/grant_type",
                        "unsupported-grant-type",
                        $"grant_type is password, refresh_token or {TokenExchangeGrant}."
                    )
                );
        }
        var response = request.HttpContext.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        var web = clientType == "web";
        if (web)
        {
            response.Cookies.Append(RefreshCookie, pair.RefreshToken, RefreshCookieOptions(pair.RefreshExpiresAt));
        }
        var body = new TokenResponse(
            pair.Access.Token,
            "Bearer",
            auth.Value.AccessTokenMinutes * 60,
            web ? null : pair.RefreshToken,
            pair.SessionId
        );
        return Results.Json(body, TokenJsonContext.Default.TokenResponse);
    }

    /// <summary>RFC 7009: revokes the session of a refresh token; answers 200 whether or not the token was known.</summary>
    public async Task<IResult> RevokeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var parameters =
            request.ContentLength is null or 0 && !request.HasFormContentType ? [] : await ReadParametersAsync(request, cancellationToken);
        var token = parameters.GetValueOrDefault("token") ?? request.Cookies[RefreshCookie];
        if (token is not null)
        {
            await sessions.RevokeRefreshTokenAsync(token, cancellationToken);
        }
        request.HttpContext.Response.Cookies.Delete(RefreshCookie, RefreshCookieOptions(null));
        return Results.Ok();
    }

    /// <summary>Ends the caller's session (its refresh tokens and access tokens).</summary>
    public async Task<IResult> SignOutAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var actor = CurrentActor.Get();
        if (actor.SessionId is { } session)
        {
            await sessions.RevokeSessionAsync(actor.Kind, actor.Subject, session, "signed-out", cancellationToken);
        }
        else
        {
            await sessions.RevokeAllAsync(actor.Kind, actor.Subject, cancellationToken);
        }
        await audit.RecordAsync(
            AuditActions.SignOut,
            actor.Kind.ToString().ToLowerInvariant(),
            actor.Subject,
            cancellationToken: cancellationToken
        );
        request.HttpContext.Response.Cookies.Delete(RefreshCookie, RefreshCookieOptions(null));
        return NoContentResult.Instance;
    }

    /// <summary>Signs the caller out everywhere: every session, every token issued until now.</summary>
    public async Task<IResult> SignOutEverywhereAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var actor = CurrentActor.Get();
        await sessions.RevokeAllAsync(actor.Kind, actor.Subject, cancellationToken);
        await audit.RecordAsync(
            AuditActions.SignOutEverywhere,
            actor.Kind.ToString().ToLowerInvariant(),
            actor.Subject,
            cancellationToken: cancellationToken
        );
        request.HttpContext.Response.Cookies.Delete(RefreshCookie, RefreshCookieOptions(null));
        return NoContentResult.Instance;
    }

    public IResult Me(HttpRequest request)
    {
        QueryParameters.RejectAny(request);
        var actor = CurrentActor.Get();
        return Results.Json(
            new MeResponse(
                actor.Kind.ToString().ToLowerInvariant(),
                actor.Subject,
                actor.Roles,
                [.. actor.Permissions.Order(StringComparer.Ordinal)],
                actor.CustomerId,
                actor.SessionId,
                actor.DisplayName
            ),
            IdentityJsonContext.Relaxed.MeResponse
        );
    }

    /// <summary>The public keys that verify Cx access tokens (JWKS), for other services and independent libraries.</summary>
    public async Task<IResult> JwksAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var keys = await tokens.PublicKeysAsync(cancellationToken);
        request.HttpContext.Response.Headers.CacheControl = "public, max-age=300";
        var document = new JwksDocument([.. keys.Select(k => new JwkView(k.Kty, k.Crv, k.Kid, k.Use, k.Alg, k.X, k.Y))]);
        return Results.Json(document, IdentityJsonContext.Relaxed.JwksDocument);
    }

    private CookieOptions RefreshCookieOptions(DateTimeOffset? expires) =>
        new()
        {
            HttpOnly = true,
            Secure = auth.Value.SecureCookies,
            SameSite = SameSiteMode.Strict,
            Path = CookiePath,
            Expires = expires,
            IsEssential = true,
        };

    /// <summary>The grant as a form (through <see cref="RequestForm"/>, with the body limits of JSON) or a JSON object of strings.</summary>
    private async Task<Dictionary<string, string>> ReadParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            return await RequestForm.ReadAsync(request, http.Value, cancellationToken);
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        foreach (var (key, value) in body)
        {
            if (value is null || value.GetValueKind() != JsonValueKind.String)
            {
                throw new ValidationException(new FieldError("/" + key, "type", $"'{key}' must be a string."));
            }
            values[key] = value.GetValue<string>();
        }
        return values;
    }

    private static string Required(Dictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value)
            ? value
            : throw new ValidationException(new FieldError("/" + name, "required", $"'{name}' is required."));
}
