using System.Collections.Concurrent;
using Cx.Core.Identity;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Http.Security;

/// <summary>
/// Fetches identity providers' JWKS over HTTPS (or loopback HTTP for tests), caches them for an
/// hour, and refetches at most once a minute when a token names an unknown key (rotation).
/// </summary>
public sealed class HttpJwksProvider(HttpClient client, TimeProvider time) : IJwksProvider
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinimumRefresh = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (IReadOnlyList<SecurityKey> Keys, DateTimeOffset FetchedAt)> _cache = new(
        StringComparer.Ordinal
    );

    public async ValueTask<IReadOnlyList<SecurityKey>> GetKeysAsync(string jwksUri, bool refresh, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(jwksUri, out var cached) && (now - cached.FetchedAt < (refresh ? MinimumRefresh : CacheFor)))
        {
            return cached.Keys;
        }
        var uri = new Uri(jwksUri);
        if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
        {
            throw new InvalidOperationException($"JWKS must be fetched over HTTPS: {jwksUri}");
        }
        var json = await client.GetStringAsync(uri, cancellationToken);
        IReadOnlyList<SecurityKey> keys = [.. new JsonWebKeySet(json).GetSigningKeys()];
        _cache[jwksUri] = (keys, now);
        return keys;
    }
}
