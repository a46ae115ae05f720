using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Realtime;

/// <summary>
/// The access tokens of SignalR's serverless contract: HS256 JWTs signed with the service's access
/// key (the connection string's <c>AccessKey</c>, as UTF-8), <c>aud</c> the URL they are for,
/// <c>nameid</c> the user. Negotiate hands them to clients; the REST publisher signs its requests
/// with them; the DevHost's hub checks them with its own key.
/// </summary>
public static class RealtimeTokens
{
    public const string UserClaim = "nameid";
    public const string SessionClaim = "cx_sid";

    /// <summary>When the token was made, in Unix milliseconds (the precision of sign-out-everywhere's cut).</summary>
    public const string IssuedAtClaim = "cx_iat";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>A token signed with <paramref name="accessKey"/>; <paramref name="keyId"/> names the key in the header (<c>kid</c>) when the service issued it.</summary>
    public static string Create(
        string accessKey,
        string audience,
        RealtimeUser? user,
        DateTimeOffset now,
        TimeSpan lifetime,
        string? keyId = null
    )
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        if (user is not null)
        {
            claims[UserClaim] = user.UserId;
            claims[IssuedAtClaim] = now.ToUnixTimeMilliseconds();
            if (user.SessionId is { } session)
            {
                claims[SessionClaim] = session;
            }
        }
        return Handler.CreateToken(
            new SecurityTokenDescriptor
            {
                Audience = audience,
                IssuedAt = now.UtcDateTime,
                NotBefore = now.UtcDateTime,
                Expires = (now + lifetime).UtcDateTime,
                Claims = claims,
                SigningCredentials = new SigningCredentials(
                    new SymmetricSecurityKey(Encoding.UTF8.GetBytes(accessKey)) { KeyId = keyId },
                    SecurityAlgorithms.HmacSha256
                ),
            }
        );
    }

    /// <summary>The user of a valid token for <paramref name="audience"/> and when it was made, or null (bad signature, wrong audience, expired).</summary>
    public static async Task<(RealtimeUser User, DateTimeOffset IssuedAt)?> ValidateAsync(
        string accessKey,
        string token,
        string audience,
        DateTimeOffset now
    )
    {
        var result = await Handler.ValidateTokenAsync(
            token,
            new TokenValidationParameters
            {
                ValidateIssuer = false,
                ValidAudience = audience,
                IssuerSigningKey = Key(accessKey),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = TimeSpan.FromSeconds(5),
                LifetimeValidator = (notBefore, expires, _, _) =>
                    expires is { } end && end > now.UtcDateTime && (notBefore is not { } start || start <= now.UtcDateTime.AddSeconds(5)),
            }
        );
        if (!result.IsValid || result.ClaimsIdentity.FindFirst(UserClaim)?.Value is not { Length: > 0 } user)
        {
            return null;
        }
        var issuedAt = long.TryParse(result.ClaimsIdentity.FindFirst(IssuedAtClaim)?.Value, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : now;
        return (new RealtimeUser(user, result.ClaimsIdentity.FindFirst(SessionClaim)?.Value), issuedAt);
    }

    /// <summary>The user id of a validated principal's claims (for hubs).</summary>
    public static string? UserOf(ClaimsPrincipal principal) => principal.FindFirst(UserClaim)?.Value;

    private static SymmetricSecurityKey Key(string accessKey) => new(Encoding.UTF8.GetBytes(accessKey));
}
