using System.Buffers;
using System.ComponentModel;
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
/// A cached value of the decision path: sealed and immutable, so HybridCache hands out the L1
/// instance itself instead of copying a <c>byte[]</c> out on every hit (a warm decision reads ~100
/// of them). L2 holds the same bytes as before (<see cref="CachedBytesSerializer"/>).
/// </summary>
[ImmutableObject(true)]
public sealed class CachedBytes(byte[] value)
{
    public byte[] Value { get; } = value;
}

/// <summary>Writes <see cref="CachedBytes"/> to L2 as its bytes, unchanged.</summary>
public sealed class CachedBytesSerializer : IHybridCacheSerializer<CachedBytes>
{
    public CachedBytes Deserialize(ReadOnlySequence<byte> source) => new(source.ToArray());

    public void Serialize(CachedBytes value, IBufferWriter<byte> target) => target.Write(value.Value);
}

/// <summary>
/// Carries tag expiries to the other instances that share the L2 (HybridCache expires a tag in its
/// own memory and L2, not in other instances' memory). The default does nothing: one instance, or no L2.
/// </summary>
public interface ICacheInvalidationBus
{
    /// <summary>Tells the other instances that <paramref name="tags"/> expired.</summary>
    ValueTask PublishAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken);

    /// <summary>Registers what to do when another instance expired tags.</summary>
    void Subscribe(Func<IReadOnlyCollection<string>, ValueTask> handler);
}

/// <summary>The default bus: no other instances to tell.</summary>
public sealed class NoCacheInvalidationBus : ICacheInvalidationBus
{
    public ValueTask PublishAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public void Subscribe(Func<IReadOnlyCollection<string>, ValueTask> handler) { }
}

/// <summary>
/// The tagged cache of the decision path on <see cref="HybridCache"/>: L1 in memory, L2 the
/// registered distributed cache (Redis on Azure), values as UTF-8 bytes. Candidate entries are
/// cached with their validity (tags <c>entry:{type}/{id}</c> and <c>type:{type}</c>), a customer's
/// profile and holdouts together (<c>customer:{id}</c>). The lifecycle hook expires tags when
/// those documents change; the compiled catalog lives beside it, dropped with <c>placements</c>.
/// </summary>
public sealed class PersonalizationCache
{
    private readonly HybridCache cache;
    private readonly IOptions<PersonalizationOptions> options;
    private readonly ICdnPurger purger;
    private readonly ICacheInvalidationBus bus;

    /// <summary>
    /// <paramref name="bus"/> carries expiries to the other instances sharing the L2 and brings
    /// theirs here (ADR 0405); without one (a single instance) only this instance's memory and L2 expire.
    /// </summary>
    public PersonalizationCache(
        HybridCache cache,
        IOptions<PersonalizationOptions> options,
        ICdnPurger purger,
        ICacheInvalidationBus? bus = null
    )
    {
        this.cache = cache;
        this.options = options;
        this.purger = purger;
        this.bus = bus ?? new NoCacheInvalidationBus();
        this.bus.Subscribe(ExpireHereAsync);
    }

    /// <summary>Built once: the settings are fixed at start, and the warm path asks for it ~100 times per decision.</summary>
    private HybridCacheEntryOptions Entry =>
        _entry ??= new()
        {
            Expiration = TimeSpan.FromSeconds(options.Value.CacheSeconds),
            LocalCacheExpiration = TimeSpan.FromSeconds(Math.Min(options.Value.CacheSeconds, options.Value.LocalCacheSeconds)),
        };

    private HybridCacheEntryOptions? _entry;

    /// <summary>Whether the cache is on (<see cref="PersonalizationOptions.CacheSeconds"/> above 0).</summary>
    public bool Enabled => options.Value.CacheSeconds > 0;

    /// <summary>
    /// The cached bytes of <paramref name="key"/>, or <paramref name="factory"/>'s. The array is shared
    /// with every other caller (an L1 hit hands out the cached instance, no copy): never write to it.
    /// </summary>
    public async ValueTask<byte[]> GetOrCreateAsync<TState>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<byte[]>> factory,
        IEnumerable<string> tags,
        CancellationToken cancellationToken
    )
    {
        if (!Enabled)
        {
            return await factory(state, cancellationToken);
        }
        var cached = await cache.GetOrCreateAsync(
            "cx:p13n:" + key,
            (state, factory),
            static async (s, ct) => new CachedBytes(await s.factory(s.state, ct)),
            Entry,
            tags,
            cancellationToken
        );
        return cached.Value;
    }

    /// <summary>
    /// Expires every value carrying one of <paramref name="tags"/>, here and in L2, tells the other
    /// instances (their memory drops them too), and asks the CDN to purge them.
    /// </summary>
    public async ValueTask InvalidateAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        if (tags.Count == 0)
        {
            return;
        }
        await cache.RemoveByTagAsync(tags, cancellationToken);
        await bus.PublishAsync(tags, cancellationToken);
        await purger.PurgeAsync(tags, cancellationToken);
        Invalidated?.Invoke(tags);
    }

    /// <summary>Another instance expired <paramref name="tags"/>: drop them from this instance's memory (no purge, no echo).</summary>
    private async ValueTask ExpireHereAsync(IReadOnlyCollection<string> tags)
    {
        await cache.RemoveByTagAsync(tags, CancellationToken.None);
        Invalidated?.Invoke(tags);
    }

    /// <summary>Raised after tags were expired (the service drops its compiled catalog on <c>placements</c>).</summary>
    public event Action<IReadOnlyCollection<string>>? Invalidated;
}
