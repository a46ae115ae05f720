using System.Collections.Concurrent;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Cx.Core.Profiles;

/// <summary>Settings of the customer list cache, bound from <c>Cx:CustomerListCache</c>.</summary>
public sealed class CustomerListCacheOptions
{
    public const string Section = "Cx:CustomerListCache";

    /// <summary>
    /// How long a page of <c>GET /api/v1/customers</c> stays in this instance's memory (0: no cache).
    /// Every write to a customer or a definition expires the pages at once (the next list request
    /// reads the store); this is the backstop for writes made by other instances.
    /// </summary>
    [Range(0, 3600)]
    public int Seconds { get; set; } = 30;
}

/// <summary>
/// Counts the writes this instance made to each container. A cached value whose key holds the
/// count it was read under can never be served after a later write: the write moves the count
/// on (after it committed, before its response), so the next read looks under a new key.
/// </summary>
public sealed class DocumentWriteGenerations
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public long Current(string container) => _counters.TryGetValue(container, out var counter) ? Volatile.Read(ref counter.Value) : 0;

    public void Advance(string container) => Interlocked.Increment(ref _counters.GetOrAdd(container, static _ => new Counter()).Value);

    private sealed class Counter
    {
        public long Value;
    }
}

/// <summary>
/// The tagged cache of customer list pages (ADR 0403): HybridCache, L1 only, keyed by the query
/// string and the write generations of the customers and definitions containers, tagged
/// <see cref="Tag"/>. <see cref="WriteSignallingDocumentStore"/> advances the generation and
/// expires the tag on every write, so a write is visible to the next list request.
/// </summary>
public sealed class CustomerListCache(HybridCache cache, DocumentWriteGenerations generations, IOptions<CustomerListCacheOptions> options)
{
    /// <summary>The tag every cached list page carries.</summary>
    public const string Tag = "cx:list:customers";

    private static readonly string[] Tags = [Tag];

    /// <summary>Whether the cache is on (<see cref="CustomerListCacheOptions.Seconds"/> above 0).</summary>
    public bool Enabled => options.Value.Seconds > 0;

    /// <summary>
    /// The page for <paramref name="query"/> (the raw query string: same string, same page), from
    /// memory when this instance listed it since the last write, otherwise from <paramref name="factory"/>.
    /// A factory that throws (a 400) caches nothing.
    /// </summary>
    public async ValueTask<T> GetOrCreateAsync<TState, T>(
        string query,
        TState state,
        Func<TState, CancellationToken, Task<T>> factory,
        CancellationToken cancellationToken
    )
        where T : class
    {
        if (!Enabled)
        {
            return await factory(state, cancellationToken);
        }
        // Read the generations BEFORE the store: a write committing meanwhile moves them on, so
        // this (possibly older) page is stored under a key no later request asks for.
        var key = string.Concat(
            "cx:list:customers:",
            generations.Current(Containers.Customers).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ":",
            generations.Current(Containers.Definitions).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ":",
            query
        );
        var entry = new HybridCacheEntryOptions
        {
            Expiration = TimeSpan.FromSeconds(options.Value.Seconds),
            LocalCacheExpiration = TimeSpan.FromSeconds(options.Value.Seconds),
            Flags = HybridCacheEntryFlags.DisableDistributedCache,
        };
        var cached = await cache.GetOrCreateAsync(
            key,
            (state, factory),
            static async (s, token) => new Cached<T>(await s.factory(s.state, token)),
            entry,
            Tags,
            cancellationToken
        );
        return cached.Value;
    }

    /// <summary>
    /// After a write: when it can change a customer list page (anything in the customers container,
    /// or a content type or component definition, which decide how a list query is read), moves the
    /// generation on and expires the tag. Other writes (content, the decision log) leave the pages alone.
    /// </summary>
    public async ValueTask WrittenAsync(string container, string partitionKey)
    {
        if (!Affects(container, partitionKey))
        {
            return;
        }
        generations.Advance(container);
        if (Enabled)
        {
            await cache.RemoveByTagAsync(Tag, CancellationToken.None);
        }
    }

    internal static bool Affects(string container, string partitionKey) =>
        container switch
        {
            Containers.Customers => true,
            Containers.Definitions => partitionKey is ContentTypeRegistry.ContentTypeDocument or ContentTypeRegistry.ComponentDocument,
            _ => false,
        };

    /// <summary>Held as is in L1 (sealed and immutable: HybridCache neither serialises nor copies it).</summary>
    [ImmutableObject(true)]
    private sealed class Cached<T>(T value)
    {
        public T Value { get; } = value;
    }
}
