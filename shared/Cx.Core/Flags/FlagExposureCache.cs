using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Cx.Core.Flags;

/// <summary>
/// The parsed exposure documents of the units this instance evaluated (ADR 0475), so a bulk
/// evaluation of a unit already seen reads no document. Registered only where this process makes
/// every write of the store (SQLite): <see cref="ExposureSignallingDocumentStore"/> reports each
/// write of an exposure document once it returned and before its caller answers, which replaces
/// the unit's entry with a fresh marker. An entry is stored only in place of the exact marker (or
/// absence) seen before the store was read, so a read racing a write never caches the older
/// document: the next evaluation after a write reads the store again. Units with no document are
/// cached too (as empty, with no ETag). With Cosmos DB (many writers) it is not registered and
/// every evaluation reads the document.
/// </summary>
public sealed class FlagExposureCache(IOptions<FlagOptions> options)
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>Moves on when the cache is emptied: a slot filled under an older epoch is a miss.</summary>
    private long _epoch;

    /// <summary>How many units are kept (0: the cache is off).</summary>
    public int Capacity => options.Value.ExposureCacheUnits;

    /// <summary>Units with an entry or a marker now (for tests and diagnostics).</summary>
    public int Count => _slots.Count;

    /// <summary>
    /// The unit's exposures and the document's ETag (null: no document) from memory when no write of
    /// it was reported since they were cached; otherwise from <paramref name="read"/>, cached when
    /// no write was reported while it ran.
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, string> Exposures, string? ETag)> GetOrReadAsync(
        string unitId,
        Func<string, CancellationToken, Task<(IReadOnlyDictionary<string, string> Exposures, string? ETag)>> read,
        CancellationToken cancellationToken
    )
    {
        if (Capacity <= 0)
        {
            return await read(unitId, cancellationToken);
        }
        // Epoch and slot BEFORE the store: a write committing meanwhile replaces the slot (and a
        // clear moves the epoch), so the older document read here is never stored or never served.
        var epoch = Volatile.Read(ref _epoch);
        _slots.TryGetValue(unitId, out var seen);
        if (seen is { Value: { } hit } && seen.Epoch == epoch)
        {
            return (hit.Exposures, hit.ETag);
        }
        var value = await read(unitId, cancellationToken);
        if (_slots.Count >= Capacity)
        {
            Clear();
            return value;
        }
        var filled = new Slot(epoch, new Entry(value.Exposures, value.ETag));
        _ = seen is null ? _slots.TryAdd(unitId, filled) : _slots.TryUpdate(unitId, filled, seen);
        return value;
    }

    /// <summary>
    /// A write of the unit's exposure document returned (committed or failed): the next evaluation
    /// of the unit reads the store. Call after the write, before its caller answers.
    /// </summary>
    public void Written(string unitId) => _slots[unitId] = new Slot(Volatile.Read(ref _epoch), null);

    /// <summary>Forgets every unit (bounded memory: the units evaluated next fill it again).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        _slots.Clear();
    }

    private sealed record Entry(IReadOnlyDictionary<string, string> Exposures, string? ETag);

    /// <summary>A cached value, or a marker (no value) left by a write. Compared by reference: each write leaves a new one.</summary>
    private sealed class Slot(long epoch, Entry? value)
    {
        public long Epoch { get; } = epoch;

        public Entry? Value { get; } = value;
    }
}
