namespace Cx.Core.Common;

/// <summary>
/// A value loaded from the store and served from memory for a time to live; when it is stale, one
/// caller reloads it while the others wait for that load (callers that saw the stale value take the
/// fresh one instead of loading again). The definition registries keep their documents this way.
/// </summary>
public sealed class CachedSnapshot<T>(Func<CancellationToken, Task<T>> load, Func<TimeSpan> timeToLive, TimeProvider time) : IDisposable
    where T : class
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Entry? _entry;

    /// <summary>The cached value while it is fresh, else a reloaded one.</summary>
    public ValueTask<T> GetAsync(CancellationToken cancellationToken)
    {
        var entry = _entry;
        if (entry is not null && time.GetUtcNow() - entry.LoadedAt < timeToLive())
        {
            return ValueTask.FromResult(entry.Value);
        }
        return new ValueTask<T>(ReloadIfStaleAsync(entry, cancellationToken));
    }

    /// <summary>Loads now, whatever the age of the cached value (before a read-modify-write).</summary>
    public async Task<T> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            return await LoadLockedAsync(cancellationToken);
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>Drops the cached value; the next read loads.</summary>
    public void Invalidate() => _entry = null;

    public void Dispose() => _reload.Dispose();

    private async Task<T> ReloadIfStaleAsync(Entry? seen, CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var entry = _entry;
            return entry is not null && !ReferenceEquals(entry, seen) ? entry.Value : await LoadLockedAsync(cancellationToken);
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task<T> LoadLockedAsync(CancellationToken cancellationToken)
    {
        var value = await load(cancellationToken);
        _entry = new Entry(value, time.GetUtcNow());
        return value;
    }

    private sealed record Entry(T Value, DateTimeOffset LoadedAt);
}
