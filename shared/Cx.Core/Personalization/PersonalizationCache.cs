using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Cx.Core.Personalization;

/// <summary>The cache tags of personalization: what a cached value depends on, and what a change expires.</summary>
public static class PersonalizationTags
{
    /// <summary>Every placement (the compiled catalog).</summary>
    public const string Placements = "placements";

    public static string Placement(string key) => "placement:" + key;

    /// <summary>One content entry.</summary>
    public static string Entry(string contentType, string id) => "entry:" + contentType + "/" + id;

    /// <summary>Every entry of a content type (its schema decides which entries are valid).</summary>
    public static string ContentType(string key) => "type:" + key;

    /// <summary>A customer's profile (segments, stage, language) and holdout assignments.</summary>
    public static string Customer(string id) => "customer:" + id;

    public static string Segment(string key) => "segment:" + key;
}

/// <summary>Where a CDN purge goes: the tags of what changed (a no-op unless a purge URL is configured).</summary>
public interface ICdnPurger
{
    ValueTask PurgeAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken);
}

/// <summary>The default purger: no CDN configured.</summary>
public sealed class NoCdnPurger : ICdnPurger
{
    public ValueTask PurgeAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// The tagged cache of the decision path on <see cref="HybridCache"/>: L1 in memory, L2 the
/// registered distributed cache (Redis on Azure), values as UTF-8 bytes. Candidate entries are
/// cached with their validity (tags <c>entry:{type}/{id}</c> and <c>type:{type}</c>), a customer's
/// profile and holdouts together (<c>customer:{id}</c>). The lifecycle hook expires tags when
/// those documents change; the compiled catalog lives beside it, dropped with <c>placements</c>.
/// </summary>
public sealed class PersonalizationCache(HybridCache cache, IOptions<PersonalizationOptions> options, ICdnPurger purger)
{
    private HybridCacheEntryOptions Entry =>
        new()
        {
            Expiration = TimeSpan.FromSeconds(options.Value.CacheSeconds),
            LocalCacheExpiration = TimeSpan.FromSeconds(Math.Min(options.Value.CacheSeconds, options.Value.LocalCacheSeconds)),
        };

    /// <summary>Whether the cache is on (<see cref="PersonalizationOptions.CacheSeconds"/> above 0).</summary>
    public bool Enabled => options.Value.CacheSeconds > 0;

    public ValueTask<byte[]> GetOrCreateAsync<TState>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<byte[]>> factory,
        IEnumerable<string> tags,
        CancellationToken cancellationToken
    ) =>
        Enabled
            ? cache.GetOrCreateAsync("cx:p13n:" + key, state, factory, Entry, tags, cancellationToken)
            : factory(state, cancellationToken);

    /// <summary>Expires every value carrying one of <paramref name="tags"/>, here and in L2, and asks the CDN to purge them.</summary>
    public async ValueTask InvalidateAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        if (tags.Count == 0)
        {
            return;
        }
        await cache.RemoveByTagAsync(tags, cancellationToken);
        await purger.PurgeAsync(tags, cancellationToken);
        Invalidated?.Invoke(tags);
    }

    /// <summary>Raised after tags were expired (the service drops its compiled catalog on <c>placements</c>).</summary>
    public event Action<IReadOnlyCollection<string>>? Invalidated;
}
