using Cx.Core.Common;
using Cx.Core.Events;
using Cx.Core.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Personalization;

/// <summary>A signed edge token and what it says.</summary>
public sealed record EdgeToken(
    string Token,
    DateTimeOffset ExpiresAt,
    string Subject,
    IReadOnlyList<string> Segments,
    int HoldoutBucket,
    IReadOnlyDictionary<string, bool> Holdouts
);

/// <summary>
/// The edge contract: a short-lived ES256 JWT (the API's signing keys, published at
/// <c>/api/v1/auth/jwks.json</c>) with audience <c>cx-edge</c>, so it is never accepted as an access
/// token, carrying the subject's segment set (<c>seg</c>), its holdout bucket 0-99 (<c>hb</c>) and
/// the control-group assignment of every placement that has one (<c>ho</c>). An edge function
/// verifies it with any JWT library and picks among cached variants without calling the origin.
/// </summary>
public sealed class EdgeTokenService(
    PersonalizationService personalization,
    ISigningKeyStore keys,
    IOptions<AuthOptions> auth,
    IOptions<PersonalizationOptions> options,
    TimeProvider time
)
{
    public const string Audience = "cx-edge";
    public const string SegmentsClaim = "seg";
    public const string HoldoutBucketClaim = "hb";
    public const string HoldoutsClaim = "ho";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<EdgeToken> IssueAsync(string? customerId, string? anonymousId, CancellationToken cancellationToken)
    {
        var subject =
            customerId is not null ? SubjectKeys.Customer(customerId)
            : anonymousId is not null ? SubjectKeys.Anonymous(anonymousId)
            : throw new ValidationException(
                new FieldError("anonymousId", "required", "Name the visitor (anonymousId) or the customer.", ErrorLocation.Query)
            );
        var (segments, holdouts) = await personalization.GetAudienceAsync(customerId, subject, cancellationToken);
        var bucket = (int)(DecisionEngine.Unit(subject, "*", "holdout-bucket") * 100);
        var signing =
            (await keys.GetKeysAsync(cancellationToken)).LastOrDefault(k => k.Active)
            ?? throw new InvalidOperationException("No active signing key.");
        var now = time.GetUtcNow();
        var expires = now.AddSeconds(options.Value.EdgeTokenSeconds);
        var token = _handler.CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = auth.Value.Issuer,
                Audience = Audience,
                IssuedAt = now.UtcDateTime,
                NotBefore = now.UtcDateTime,
                Expires = expires.UtcDateTime,
                Claims = new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    [JwtRegisteredClaimNames.Sub] = subject,
                    [SegmentsClaim] = segments.ToArray(),
                    [HoldoutBucketClaim] = bucket,
                    [HoldoutsClaim] = holdouts.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal),
                },
                SigningCredentials = new SigningCredentials(signing.Key, SecurityAlgorithms.EcdsaSha256),
            }
        );
        return new EdgeToken(token, expires, subject, segments, bucket, holdouts);
    }
}
