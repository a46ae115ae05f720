using System.Text.Json;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Identity;

public sealed record CreateAccountRequest(string Email, string Password, IReadOnlyList<string> Roles, string? DisplayName = null);

public sealed record UpdateAccountRequest(
    IReadOnlyList<string>? Roles = null,
    string? DisplayName = null,
    bool? Disabled = null,
    bool Unlock = false
);

public sealed record SetPasswordRequest(string Password);

public sealed record CreateApiKeyRequest(
    string Name,
    IReadOnlyList<string>? Scopes = null,
    bool Public = false,
    DateTimeOffset? ExpiresAt = null
);

public sealed record CreatedApiKey(ApiKeyView Key, string Secret);

/// <summary>
/// Administration of who may use Cx: staff accounts, API keys and SSO claims mappings. Every
/// change is audited; role changes and disabling sign the account out everywhere.
/// </summary>
public sealed class IdentityAdminEndpoints(
    AccountService accounts,
    ApiKeyService apiKeys,
    SessionService sessions,
    SsoService sso,
    AuditLog audit,
    IOptions<AuthOptions> auth,
    IOptions<HttpOptions> http,
    IOptions<ContentOptions> content
)
{
    public async Task<IResult> ListAccountsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(request, content.Value, "accounts");
        var (items, next) = await accounts.ListAsync(page.Limit, page.After, cancellationToken);
        return Results.Json(new ItemsPage<AccountView>(items, page.NextCursor(next)), IdentityJsonContext.Relaxed.ItemsPageAccountView);
    }

    public async Task<IResult> CreateAccountAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await ReadAsync<CreateAccountRequest>(request, cancellationToken);
        var created = await accounts.CreateAsync(body.Email, body.Password, body.Roles ?? [], body.DisplayName, cancellationToken);
        await audit.RecordAsync(
            AuditActions.AccountCreated,
            "account",
            created.Id,
            details: new { created.Email, created.Roles },
            cancellationToken: cancellationToken
        );
        Location(request, "/api/v1/accounts/" + created.Id);
        return Results.Json(created, IdentityJsonContext.Relaxed.AccountView, statusCode: StatusCodes.Status201Created);
    }

    public async Task<IResult> GetAccountAsync(HttpRequest request, string accountId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        return Results.Json(await accounts.GetAsync(accountId, cancellationToken), IdentityJsonContext.Relaxed.AccountView);
    }

    public async Task<IResult> UpdateAccountAsync(HttpRequest request, string accountId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await ReadAsync<UpdateAccountRequest>(request, cancellationToken, mergePatch: true);
        var before = await accounts.GetAsync(accountId, cancellationToken);
        var updated = await accounts.UpdateAsync(accountId, body.Roles, body.DisplayName, body.Disabled, body.Unlock, cancellationToken);
        if (!before.Roles.SequenceEqual(updated.Roles) || (updated.Disabled && !before.Disabled))
        {
            await sessions.RevokeAllAsync(ActorKind.Staff, accountId, cancellationToken);
        }
        await audit.RecordAsync(
            AuditActions.AccountChanged,
            "account",
            accountId,
            details: new
            {
                rolesBefore = before.Roles,
                rolesAfter = updated.Roles,
                updated.Disabled,
                body.Unlock,
            },
            cancellationToken: cancellationToken
        );
        return Results.Json(updated, IdentityJsonContext.Relaxed.AccountView);
    }

    public async Task<IResult> SetPasswordAsync(HttpRequest request, string accountId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await ReadAsync<SetPasswordRequest>(request, cancellationToken);
        await accounts.SetPasswordAsync(accountId, body.Password, cancellationToken);
        await sessions.RevokeAllAsync(ActorKind.Staff, accountId, cancellationToken);
        await audit.RecordAsync(
            AuditActions.AccountChanged,
            "account",
            accountId,
            details: new { password = "changed" },
            cancellationToken: cancellationToken
        );
        return NoContentResult.Instance;
    }

    public async Task<IResult> DeleteAccountAsync(HttpRequest request, string accountId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await accounts.DeleteAsync(accountId, cancellationToken);
        await sessions.RevokeAllAsync(ActorKind.Staff, accountId, cancellationToken);
        await audit.RecordAsync(AuditActions.AccountDeleted, "account", accountId, cancellationToken: cancellationToken);
        return NoContentResult.Instance;
    }

    public async Task<IResult> ListApiKeysAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(request, content.Value, "api-keys");
        var (items, next) = await apiKeys.ListAsync(page.Limit, page.After, cancellationToken);
        return Results.Json(new ItemsPage<ApiKeyView>(items, page.NextCursor(next)), IdentityJsonContext.Relaxed.ItemsPageApiKeyView);
    }

    public async Task<IResult> CreateApiKeyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await ReadAsync<CreateApiKeyRequest>(request, cancellationToken);
        var (key, secret) = await apiKeys.CreateAsync(body.Name, body.Scopes ?? [], body.Public, body.ExpiresAt, cancellationToken);
        await audit.RecordAsync(
            AuditActions.ApiKeyCreated,
            "api-key",
            key.Id,
            details: new
            {
                key.Name,
                key.Scopes,
                key.Public,
            },
            cancellationToken: cancellationToken
        );
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        Location(request, "/api/v1/api-keys/" + key.Id);
        return Results.Json(
            new CreatedApiKey(key, secret),
            IdentityJsonContext.Relaxed.CreatedApiKey,
            statusCode: StatusCodes.Status201Created
        );
    }

    public async Task<IResult> RevokeApiKeyAsync(HttpRequest request, string keyId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var revoked = await apiKeys.RevokeAsync(keyId, cancellationToken);
        await audit.RecordAsync(AuditActions.ApiKeyRevoked, "api-key", keyId, cancellationToken: cancellationToken);
        return Results.Json(revoked, IdentityJsonContext.Relaxed.ApiKeyView);
    }

    public async Task<IResult> GetClaimsMappingAsync(HttpRequest request, string issuerKey, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var document =
            await sso.GetMappingDocumentAsync(issuerKey, cancellationToken) ?? throw new NotFoundException("Claims mapping", issuerKey);
        return ETags.IfNoneMatch(request, document.ETag)
            ? new NotModifiedResult(document.ETag)
            : MappingResult(document, StatusCodes.Status200OK);
    }

    public async Task<IResult> PutClaimsMappingAsync(HttpRequest request, string issuerKey, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        if (!auth.Value.SsoIssuers.Any(i => i.Key == issuerKey))
        {
            throw new ValidationException(
                new FieldError(
                    "issuerKey",
                    "unknown-issuer",
                    $"No SSO issuer with key '{issuerKey}' is configured (Cx:Auth:SsoIssuers).",
                    ErrorLocation.Route
                )
            );
        }
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var mapping = DefinitionDocuments.FromRequest<ClaimsMapping>(body);
        var (document, created) = await sso.PutMappingAsync(issuerKey, mapping, ifMatch, cancellationToken);
        await audit.RecordAsync(
            AuditActions.ClaimsMappingSaved,
            "claims-mapping",
            issuerKey,
            details: mapping,
            cancellationToken: cancellationToken
        );
        if (created)
        {
            Location(request, "/api/v1/claims-mappings/" + issuerKey);
        }
        return MappingResult(document, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>The mapping itself (not its storage envelope) with its ETag.</summary>
    private static IResult MappingResult(StoredDocument document, int status) =>
        new JsonWithETagResult(
            JsonSerializer.SerializeToUtf8Bytes(DefinitionDocuments.FromDocument<ClaimsMapping>(document), DefinitionJson.Options),
            document.ETag,
            status
        );

    public async Task<IResult> DeleteClaimsMappingAsync(HttpRequest request, string issuerKey, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        _ = await sso.GetMappingDocumentAsync(issuerKey, cancellationToken) ?? throw new NotFoundException("Claims mapping", issuerKey);
        await sso.DeleteMappingAsync(issuerKey, ETags.ReadIfMatch(request), cancellationToken);
        await audit.RecordAsync(AuditActions.ClaimsMappingDeleted, "claims-mapping", issuerKey, cancellationToken: cancellationToken);
        return NoContentResult.Instance;
    }

    private static void Location(HttpRequest request, string location) => request.HttpContext.Response.Headers.Location = location;

    private Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken, bool mergePatch = false)
        where T : class => RequestBody.ReadObjectAsync(request, http.Value, DefinitionJson.Deserialize<T>, cancellationToken, mergePatch);
}
