using Microsoft.IdentityModel.Tokens;

namespace Cx.Core.Identity;

/// <summary>The port that fetches an identity provider's signing keys (JWKS), with caching.</summary>
public interface IJwksProvider
{
    /// <summary>The keys published at <paramref name="jwksUri"/>; <paramref name="refresh"/> bypasses the cache (unknown key id).</summary>
    ValueTask<IReadOnlyList<SecurityKey>> GetKeysAsync(string jwksUri, bool refresh, CancellationToken cancellationToken);
}
