using System.Collections.Frozen;
using System.Security.Claims;
using Cx.Core.Common;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Identity;

/// <summary>An access token and when it expires.</summary>
public sealed record IssuedAccessToken(string Token, DateTimeOffset ExpiresAt, string TokenId);

/// <summary>
/// Issues and validates Cx access tokens: ES256 JWTs with a key id (kid), issuer, audience,
/// short lifetime, the subject, its kind and roles, and the session (refresh-token family) id.
/// Permissions are derived from the roles at validation time, so a change to the role matrix
/// applies to tokens already issued.
/// </summary>
public sealed class TokenService(ISigningKeyStore keys, IOptions<AuthOptions> options, TimeProvider time) : IDisposable
{
    public const string RolesClaim = "roles";
    public const string KindClaim = "cx_kind";
    public const string SessionClaim = "sid";
    public const string CustomerClaim = "cx_customer";
    public const string NameClaim = "name";

    /// <summary>Issue time in milliseconds (iat has whole seconds), so revocations cut at the exact instant.</summary>
    public const string IssuedAtMillisecondsClaim = "cx_iat";
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false, MapInboundClaims = false };

    /// <summary>
    /// Tokens whose signature and claims were verified, by their exact text: an ES256 verification
    /// costs about a tenth of a millisecond, paid once per token instead of once per request. A hit
    /// still checks the lifetime against the clock and that the signing key is still configured;
    /// revocation is checked by the caller on every request either way. At most
    /// <see cref="AuthOptions.MaxCachedEntries"/> tokens, each until it expires.
    /// </summary>
    private readonly BoundedCache<ValidatedToken> _validated = new(options.Value.MaxCachedEntries, time);

    /// <summary>How many validated tokens this instance holds in memory.</summary>
    internal int CachedEntries => _validated.Count;

    private sealed record ValidatedToken(Actor Actor, DateTimeOffset IssuedAt, DateTime NotBefore, DateTime Expires, string KeyId);

    public async ValueTask<IssuedAccessToken> IssueAsync(Actor actor, CancellationToken cancellationToken, TimeSpan? lifetime = null)
    {
        var signing =
            (await keys.GetKeysAsync(cancellationToken)).LastOrDefault(k => k.Active)
            ?? throw new InvalidOperationException("No active signing key.");
        var now = time.GetUtcNow();
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(options.Value.AccessTokenMinutes));
        var tokenId = Ids.New(time);
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [JwtRegisteredClaimNames.Sub] = actor.Subject,
            [JwtRegisteredClaimNames.Jti] = tokenId,
            [KindClaim] = actor.Kind.ToString().ToLowerInvariant(),
            [RolesClaim] = actor.Roles.ToArray(),
            [IssuedAtMillisecondsClaim] = now.ToUnixTimeMilliseconds(),
        };
        if (actor.SessionId is not null)
        {
            claims[SessionClaim] = actor.SessionId;
        }
        if (actor.CustomerId is not null)
        {
            claims[CustomerClaim] = actor.CustomerId;
        }
        if (actor.DisplayName is not null)
        {
            claims[NameClaim] = actor.DisplayName;
        }
        var token = _handler.CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = options.Value.Issuer,
                Audience = options.Value.Audience,
                IssuedAt = now.UtcDateTime,
                NotBefore = now.UtcDateTime,
                Expires = expires.UtcDateTime,
                Claims = claims,
                SigningCredentials = new SigningCredentials(signing.Key, SecurityAlgorithms.EcdsaSha256),
            }
        );
        return new IssuedAccessToken(token, expires, tokenId);
    }

    /// <summary>Validates a token and returns its actor and issue time; throws <see cref="UnauthorizedException"/> otherwise.</summary>
    public async ValueTask<(Actor Actor, DateTimeOffset IssuedAt)> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var signingKeys = await keys.GetKeysAsync(cancellationToken);
        if (_validated.TryGet(token, out var known))
        {
            if (
                ValidateLifetime(known.NotBefore, known.Expires)
                && signingKeys.Any(k => string.Equals(k.Key.KeyId ?? k.Id, known.KeyId, StringComparison.Ordinal))
            )
            {
                return (known.Actor, known.IssuedAt);
            }
            _validated.Remove(token);
        }
        var result = await _handler.ValidateTokenAsync(
            token,
            new TokenValidationParameters
            {
                ValidIssuer = options.Value.Issuer,
                ValidAudience = options.Value.Audience,
                IssuerSigningKeys = signingKeys.Select(k => (SecurityKey)k.Key),
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateIssuerSigningKey = true,
                ValidateLifetime = true,
                LifetimeValidator = ValidateLifetime,
                ClockSkew = ClockSkew,
            }
        );
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidToken, Describe(result.Exception));
        }
        var issuedAt = jwt.TryGetPayloadValue<long>(IssuedAtMillisecondsClaim, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero);
        var actor = ToActor(jwt);
        _validated.Set(
            token,
            new ValidatedToken(actor, issuedAt, jwt.ValidFrom, jwt.ValidTo, jwt.Kid ?? ""),
            new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + ClockSkew
        );
        return (actor, issuedAt);
    }

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters) =>
        ValidateLifetime(notBefore, expires);

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } exp
            && now <= exp + ClockSkew
            && (notBefore is not { } nbf || nbf == DateTime.MinValue || now >= nbf - ClockSkew);
    }

    private static Actor ToActor(JsonWebToken jwt)
    {
        if (!Enum.TryParse<ActorKind>(Claim(jwt, KindClaim), ignoreCase: true, out var kind) || kind == ActorKind.System)
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidToken, "The token does not say what kind of actor it is.");
        }
        var subject = jwt.Subject;
        if (string.IsNullOrEmpty(subject))
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidToken, "The token has no subject.");
        }
        var roles = jwt
            .Claims.Where(c => c.Type == RolesClaim)
            .Select(c => c.Value)
            .Where(Roles.IsKnown)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var customer = Claim(jwt, CustomerClaim);
        if (kind == ActorKind.Customer && (customer is null || roles is not [Roles.Customer]))
        {
            throw new UnauthorizedException(UnauthorizedException.InvalidToken, "A customer token carries the customer role and id only.");
        }
        return new Actor(kind, subject, roles, Permissions.ForRoles(roles), customer, Claim(jwt, SessionClaim), Claim(jwt, NameClaim));
    }

    private static string? Claim(JsonWebToken jwt, string type) => jwt.TryGetClaim(type, out Claim claim) ? claim.Value : null;

    private static string Describe(Exception? exception) =>
        exception switch
        {
            SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException => "The access token has expired.",
            SecurityTokenInvalidAudienceException => "The access token is for another audience.",
            SecurityTokenInvalidIssuerException => "The access token was issued by someone else.",
            SecurityTokenInvalidAlgorithmException => "The access token uses an algorithm Cx does not accept.",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
                "The access token's signature is not valid.",
            SecurityTokenMalformedException or ArgumentException => "The access token is malformed.",
            _ => "The access token is not valid.",
        };

    public void Dispose() => _validated.Dispose();

    /// <summary>The public signing keys as a JWKS document, for independent verification.</summary>
    public async ValueTask<IReadOnlyList<JsonWebKey>> PublicKeysAsync(CancellationToken cancellationToken)
    {
        var all = await keys.GetKeysAsync(cancellationToken);
        return
        [
            .. all.Select(k =>
            {
                var parameters = k.Key.ECDsa.ExportParameters(includePrivateParameters: false);
                return new JsonWebKey
                {
                    Kty = "EC",
                    Crv = "P-256",
                    Kid = k.Id,
                    Use = "sig",
                    Alg = SecurityAlgorithms.EcdsaSha256,
                    X = Base64UrlEncoder.Encode(parameters.Q.X),
                    Y = Base64UrlEncoder.Encode(parameters.Q.Y),
                };
            }),
        ];
    }
}

internal static class FrozenSets
{
    public static FrozenSet<string> Of(IEnumerable<string> values) => values.ToFrozenSet(StringComparer.Ordinal);
}
