using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Identity;

/// <summary>What users of a provider become when they have no staff role.</summary>
public enum CustomerPolicy
{
    /// <summary>Sign in as the customer whose profile has this identity; create the profile when missing.</summary>
    Create,

    /// <summary>Sign in only when a profile already has this identity (or a verified e-mail matches).</summary>
    Existing,

    /// <summary>Only staff may sign in through this provider.</summary>
    Deny,
}

/// <summary>
/// How the claims of one identity provider's id_tokens map to a Cx identity: a document
/// (definitions container, one per provider key) that admins change through the API.
/// </summary>
public sealed record ClaimsMapping
{
    public required string Key { get; init; }

    public string SubjectClaim { get; init; } = "sub";

    public string EmailClaim { get; init; } = "email";

    public string NameClaim { get; init; } = "name";

    /// <summary>The claim holding the user's groups or roles at the provider.</summary>
    public string RoleClaim { get; init; } = "groups";

    /// <summary>Provider group or role → Cx staff role.</summary>
    public Dictionary<string, string> Roles { get; init; } = [];

    public CustomerPolicy Customers { get; init; } = CustomerPolicy.Create;

    public static void Validate(ClaimsMapping mapping, string routeKey)
    {
        var errors = new List<FieldError>();
        if (mapping.Key != routeKey)
        {
            errors.Add(new("/key", "key-mismatch", "The key in the body must equal the key in the URL."));
        }
        foreach (
            var (claim, pointer) in new[]
            {
                (mapping.SubjectClaim, "/subjectClaim"),
                (mapping.EmailClaim, "/emailClaim"),
                (mapping.NameClaim, "/nameClaim"),
                (mapping.RoleClaim, "/roleClaim"),
            }
        )
        {
            if (string.IsNullOrWhiteSpace(claim) || claim.Length > 100)
            {
                errors.Add(new(pointer, "required", "A claim name of 1-100 characters is required."));
            }
        }
        foreach (var (group, role) in mapping.Roles)
        {
            if (!Identity.Roles.Staff.Contains(role, StringComparer.Ordinal))
            {
                errors.Add(
                    new(JsonPointer.Append("/roles", group), "enum", $"Map to a staff role: {string.Join(", ", Identity.Roles.Staff)}.")
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The claims mapping is not valid.");
        }
    }
}

/// <summary>
/// Single sign-on: exchanges an id_token from a configured OpenID Connect issuer for a Cx
/// identity. The token must be signed by a key of the issuer's JWKS, for the configured
/// audience, unexpired; its claims are mapped by the issuer's <see cref="ClaimsMapping"/>.
/// Users with a mapped staff role become staff; others become the customer whose profile holds
/// the identity (<c>authId</c> = <c>{issuerKey}|{sub}</c>), linked by a verified e-mail or created.
/// </summary>
public sealed class SsoService(
    IJwksProvider jwks,
    EntryService entries,
    IDocumentStore store,
    IOptions<AuthOptions> options,
    TimeProvider time
)
{
    public const string MappingDocument = "claims-mapping";

    private static readonly JsonSerializerOptions MappingJson = DefinitionJson.Options;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public async Task<Actor> ExchangeAsync(string idToken, CancellationToken cancellationToken)
    {
        JsonWebToken unverified;
        try
        {
            unverified = _handler.ReadJsonWebToken(idToken);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The id_token is malformed.");
        }
        var issuer =
            options.Value.SsoIssuers.FirstOrDefault(i => string.Equals(i.Issuer, unverified.Issuer, StringComparison.Ordinal))
            ?? throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The id_token comes from an issuer Cx does not trust.");
        var result = await ValidateAsync(idToken, issuer, refresh: false, cancellationToken);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            result = await ValidateAsync(idToken, issuer, refresh: true, cancellationToken);
        }
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            throw new UnauthorizedException(
                UnauthorizedException.InvalidGrant,
                "The id_token is not valid: " + (result.Exception?.GetType().Name ?? "unknown reason") + "."
            );
        }
        var mapping =
            await GetMappingAsync(issuer.Key, cancellationToken)
            ?? throw new UnauthorizedException(UnauthorizedException.InvalidGrant, $"No claims mapping exists for '{issuer.Key}'.");
        var subject =
            Claim(token, mapping.SubjectClaim)
            ?? throw new UnauthorizedException(UnauthorizedException.InvalidGrant, "The id_token has no subject.");
        var name = Claim(token, mapping.NameClaim);
        var staffRoles = token
            .Claims.Where(c => c.Type == mapping.RoleClaim)
            .Select(c => mapping.Roles.GetValueOrDefault(c.Value))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (staffRoles.Count > 0)
        {
            var staffSubject = $"sso-{issuer.Key}-{IdentityStore.Hash(subject)[..24]}";
            return new Actor(
                ActorKind.Staff,
                staffSubject,
                staffRoles,
                Permissions.ForRoles(staffRoles),
                null,
                null,
                name ?? Claim(token, mapping.EmailClaim)
            );
        }
        if (mapping.Customers == CustomerPolicy.Deny)
        {
            throw new ForbiddenException($"Only staff may sign in through '{issuer.Key}'.");
        }
        var emailVerified =
            token.TryGetClaim("email_verified", out var verifiedClaim)
            && string.Equals(verifiedClaim.Value, "true", StringComparison.OrdinalIgnoreCase);
        var customerId = await ResolveCustomerAsync(
            $"{issuer.Key}|{subject}",
            Claim(token, mapping.EmailClaim),
            emailVerified,
            name,
            mapping.Customers,
            cancellationToken
        );
        return new Actor(ActorKind.Customer, customerId, [Roles.Customer], Permissions.ForRoles([Roles.Customer]), customerId, null, name);
    }

    private async Task<TokenValidationResult> ValidateAsync(
        string idToken,
        SsoIssuerOptions issuer,
        bool refresh,
        CancellationToken cancellationToken
    )
    {
        var keys = await jwks.GetKeysAsync(issuer.JwksUri, refresh, cancellationToken);
        return await _handler.ValidateTokenAsync(
            idToken,
            new TokenValidationParameters
            {
                ValidIssuer = issuer.Issuer,
                ValidAudience = issuer.Audience,
                IssuerSigningKeys = keys,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSsaPssSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                LifetimeValidator = (notBefore, expires, _, _) =>
                {
                    var now = time.GetUtcNow().UtcDateTime;
                    return expires is { } exp
                        && now <= exp + TokenService.ClockSkew
                        && (notBefore is not { } nbf || now >= nbf - TokenService.ClockSkew);
                },
                ClockSkew = TokenService.ClockSkew,
            }
        );
    }

    private async Task<string> ResolveCustomerAsync(
        string authId,
        string? email,
        bool emailVerified,
        string? name,
        CustomerPolicy policy,
        CancellationToken cancellationToken
    )
    {
        if (await FindCustomerAsync("authId", authId, cancellationToken) is { } linked)
        {
            return linked.Id;
        }
        if (
            email is not null
            && emailVerified
            && await FindCustomerAsync("email", email.Trim().ToLowerInvariant(), cancellationToken) is { } byEmail
        )
        {
            var current = JsonNode.Parse(byEmail.Json.Span)!.AsObject();
            if (current["authId"] is null)
            {
                await entries.PatchAsync(
                    CustomerProfile.TypeKey,
                    byEmail.Id,
                    new JsonObject { ["authId"] = authId },
                    byEmail.ETag,
                    cancellationToken,
                    WriteActor.System
                );
                return byEmail.Id;
            }
        }
        if (policy != CustomerPolicy.Create)
        {
            throw new ForbiddenException("No customer profile is linked to this identity.");
        }
        if (email is null || !emailVerified)
        {
            throw new ForbiddenException("A new customer profile needs a verified e-mail address from the identity provider.");
        }
        var body = new JsonObject { ["email"] = email, ["authId"] = authId };
        if (name is not null)
        {
            body["name"] = name.Length > 200 ? name[..200] : name;
        }
        try
        {
            return (await entries.CreateAsync(CustomerProfile.TypeKey, body, cancellationToken, WriteActor.System)).Id;
        }
        catch (UniqueValueTakenException)
        {
            // Created concurrently by another sign-in of the same identity, or the e-mail is taken.
            return (await FindCustomerAsync("authId", authId, cancellationToken))?.Id
                ?? throw new ForbiddenException("Another customer profile already uses this e-mail address.");
        }
    }

    private async Task<StoredDocument?> FindCustomerAsync(string field, string value, CancellationToken cancellationToken)
    {
        var (_, page) = await entries.ListAsync(
            CustomerProfile.TypeKey,
            new EntryListRequest { Filters = [new RawFilter(field, "eq", value, field)], Limit = 1 },
            cancellationToken
        );
        return page.Items.Count > 0 ? page.Items[0] : null;
    }

    public async Task<ClaimsMapping?> GetMappingAsync(string key, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Containers.Definitions, new DocumentKey(MappingDocument, key), cancellationToken);
        return document is null ? null : DefinitionDocuments.FromDocument<ClaimsMapping>(document);
    }

    public async Task<StoredDocument?> GetMappingDocumentAsync(string key, CancellationToken cancellationToken) =>
        await store.ReadAsync(Containers.Definitions, new DocumentKey(MappingDocument, key), cancellationToken);

    public async Task<(StoredDocument Document, bool Created)> PutMappingAsync(
        string key,
        ClaimsMapping mapping,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        ClaimsMapping.Validate(mapping, key);
        var now = Instants.Format(time.GetUtcNow());
        var existing = await GetMappingDocumentAsync(key, cancellationToken);
        if (existing is null)
        {
            if (ifMatch is not null && ifMatch != "*")
            {
                throw new PreconditionFailedException($"No claims mapping exists for '{key}' yet.");
            }
            var created = await store.CreateAsync(
                Containers.Definitions,
                new DocumentWrite(
                    key,
                    MappingDocument,
                    MappingDocument,
                    DefinitionDocuments.ToJson(mapping, key, MappingDocument, now, now)
                ),
                cancellationToken
            );
            return (created, true);
        }
        var json = DefinitionDocuments.ToJson(mapping, key, MappingDocument, DefinitionDocuments.CreatedAt(existing), now);
        return (
            await store.ReplaceAsync(
                Containers.Definitions,
                new DocumentWrite(key, MappingDocument, MappingDocument, json),
                ifMatch ?? existing.ETag,
                cancellationToken
            ),
            false
        );
    }

    public async Task DeleteMappingAsync(string key, string? ifMatch, CancellationToken cancellationToken) =>
        await store.DeleteAsync(Containers.Definitions, new DocumentKey(MappingDocument, key), ifMatch, cancellationToken);

    private static string? Claim(JsonWebToken token, string type) => token.TryGetClaim(type, out Claim claim) ? claim.Value : null;
}
