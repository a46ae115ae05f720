using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace Cx.Core.Common;

/// <summary>
/// An in-memory cache bounded by size and by time (Microsoft.Extensions.Caching.Memory with a
/// size limit): at most <c>maxEntries</c> entries (a new entry is refused while the cache is full,
/// and a compaction drops the least recently used tenth), each expiring on the injected clock.
/// For the authentication path, where callers send what they like (junk API keys, endless
/// subjects, many addresses) and memory must stay flat.
/// </summary>
public sealed class BoundedCache<TValue>(int maxEntries, TimeProvider time) : IDisposable
{
    private readonly MemoryCache _cache = new(
        new MemoryCacheOptions
        {
            SizeLimit = maxEntries,
            CompactionPercentage = 0.1,
            Clock = new TimeProviderClock(time),
        }
    );

    /// <summary>How many entries the cache holds now.</summary>
    public int Count => _cache.Count;

    public bool TryGet(string key, out TValue value)
    {
        if (_cache.TryGetValue(key, out var cached) && cached is Entry entry)
        {
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Remembers a value until <paramref name="expires"/> (an instant of the injected clock); nothing when that has passed.</summary>
    public void Set(string key, TValue value, DateTimeOffset expires)
    {
        if (expires <= time.GetUtcNow())
        {
            _cache.Remove(key);
            return;
        }
        _cache.Set(key, new Entry(value), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires });
    }

    public void Remove(string key) => _cache.Remove(key);

    public void Dispose() => _cache.Dispose();

    /// <summary>Boxes the value once, so a cached null (a key that does not exist) is a hit, not a miss.</summary>
    private sealed record Entry(TValue Value);

    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
