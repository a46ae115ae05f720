using System.Buffers;
using Cx.Core.Common;

namespace Cx.Core.Analytics;

/// <summary>
/// One step of a funnel: the event types that satisfy it. A funnel step of the API is one event
/// type; a journey stage is a step satisfied by any of its event types. Occurrence blocks carry
/// no properties, so a step cannot filter on them.
/// </summary>
public sealed record FunnelStep(EquatableArray<string> EventTypes)
{
    public static FunnelStep Of(params string[] eventTypes) => new(new EquatableArray<string>(eventTypes));
}

/// <summary>
/// An ordered funnel over subjects (customers, and anonymous visitors not merged into one).
/// A subject enters with a step-1 occurrence at <c>t1</c> in [<see cref="From"/>, <see cref="To"/>);
/// it reaches step k when it did steps 1..k in that order, each strictly later than the one
/// before (events in the same millisecond do not follow each other), all before
/// <c>t1 + <see cref="Window"/></c> (exactly at it is out). Later steps may fall after
/// <see cref="To"/>. A subject counts once, at the deepest step any of its step-1 occurrences reaches.
/// </summary>
public sealed record FunnelQuery(IReadOnlyList<FunnelStep> Steps, TimeSpan Window, DateTimeOffset From, DateTimeOffset To)
{
    public const int MinSteps = 2;

    public const int MaxSteps = 10;

    /// <summary>The longest conversion window: a quarter of a year.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(90);
}

/// <summary>
/// One step of a funnel result. Rates are fractions (0-1) rounded to 4 decimals, null when the
/// denominator is 0; <see cref="DropOff"/> is how many subjects of the previous step did not reach
/// this one (0 for the first step).
/// </summary>
public sealed record FunnelStepResult(
    FunnelStep Step,
    long Count,
    double? ConversionFromFirst,
    double? ConversionFromPrevious,
    long DropOff,
    double? DropOffRate
);

public sealed record FunnelResult(FunnelQuery Query, IReadOnlyList<FunnelStepResult> Steps)
{
    /// <summary>The result of per-step counts (subjects that reached at least each step).</summary>
    public static FunnelResult From(FunnelQuery query, IReadOnlyList<long> counts)
    {
        var steps = new List<FunnelStepResult>(counts.Count);
        for (var k = 0; k < counts.Count; k++)
        {
            var previous = k == 0 ? counts[0] : counts[k - 1];
            var dropOff = previous - counts[k];
            steps.Add(
                new FunnelStepResult(
                    query.Steps[k],
                    counts[k],
                    Rate(counts[k], counts[0]),
                    Rate(counts[k], previous),
                    dropOff,
                    Rate(dropOff, previous)
                )
            );
        }
        return new FunnelResult(query, steps);
    }

    /// <summary><paramref name="part"/> / <paramref name="whole"/> rounded to 4 decimals; null when <paramref name="whole"/> is 0.</summary>
    public static double? Rate(long part, long whole) =>
        whole == 0 ? null : Math.Round((double)part / whole, 4, MidpointRounding.AwayFromZero);
}

/// <summary>
/// Counts a funnel over occurrences fed type by type (any order, blocks unsorted): it groups
/// them by subject (anonymous subjects merged into their customer first), sorts each subject's
/// occurrences by time and runs one pass per subject that keeps, for every step, the latest
/// step-1 time from which that step was reached in order. A later start leaves at least as much
/// of the window as an earlier one, so keeping only the latest is exact: O(n log n) over the
/// occurrences (per-subject sorts), O(n · steps) for the passes.
/// </summary>
public sealed class FunnelCounter : IDisposable
{
    private const int MaskBits = FunnelQuery.MaxSteps;
    private const long NotReached = long.MinValue;
    private const int PageBits = 12;

    private readonly int _steps;
    private readonly long _fromMs;
    private readonly long _toMs;
    private readonly long _windowMs;
    private readonly IReadOnlyDictionary<int, int> _merges;

    // Subject id → dense index + 1 (0: not seen). Subject ids are interned row ids, so a paged
    // table (pages of 4,096 made on first use) is a cheaper map than a dictionary.
    private int[]?[] _pages = new int[]?[64];
    private int _subjectCount;
    private int[] _subjects = ArrayPool<int>.Shared.Rent(1024);
    private long[] _keys = ArrayPool<long>.Shared.Rent(1024);
    private int _count;

    /// <param name="steps">How many steps (2-10).</param>
    /// <param name="from">The first instant a step-1 occurrence may have.</param>
    /// <param name="to">Step-1 occurrences are before this instant.</param>
    /// <param name="window">Every step is before the step-1 time plus this.</param>
    /// <param name="merges">Anonymous subject id → the customer subject id it is merged into.</param>
    public FunnelCounter(int steps, DateTimeOffset from, DateTimeOffset to, TimeSpan window, IReadOnlyDictionary<int, int> merges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, FunnelQuery.MaxSteps);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _steps = steps;
        _fromMs = from.ToUnixTimeMilliseconds();
        _toMs = to.ToUnixTimeMilliseconds();
        _windowMs = (long)window.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(_toMs, _fromMs);
        _merges = merges;
    }

    /// <summary>The end (exclusive) of the occurrences that matter: the last start plus the window.</summary>
    public long EndMs => _toMs + _windowMs;

    /// <summary>Adds occurrences of an event type that satisfies the steps in <paramref name="stepMask"/> (bit k = step k+1).</summary>
    public void Add(int stepMask, ReadOnlySpan<SubjectOccurrence> occurrences)
    {
        ArgumentOutOfRangeException.ThrowIfZero(stepMask);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stepMask, 1 << _steps);
        // An occurrence that can only start the funnel matters before To; others until To + window.
        var endMs = stepMask == 1 ? _toMs : EndMs;
        EnsureCapacity(_count + occurrences.Length);
        var merged = _merges.Count > 0;
        foreach (var occurrence in occurrences)
        {
            if (occurrence.TimestampMs < _fromMs || occurrence.TimestampMs >= endMs)
            {
                continue;
            }
            var subject = merged && _merges.TryGetValue(occurrence.SubjectId, out var customer) ? customer : occurrence.SubjectId;
            _subjects[_count] = DenseOf(subject);
            _keys[_count] = ((occurrence.TimestampMs - _fromMs) << MaskBits) | (long)stepMask;
            _count++;
        }
    }

    /// <summary>How many distinct subjects the occurrences added so far belong to.</summary>
    public int Subjects => _subjectCount;

    private int DenseOf(int subject)
    {
        var index = (uint)subject >> PageBits;
        if (index >= (uint)_pages.Length)
        {
            Array.Resize(ref _pages, (int)Math.Min(Math.Max(index + 1, (uint)_pages.Length * 2), (uint.MaxValue >> PageBits) + 1));
        }
        var page = _pages[index] ??= new int[1 << PageBits];
        ref var slot = ref page[subject & ((1 << PageBits) - 1)];
        if (slot == 0)
        {
            slot = ++_subjectCount;
        }
        return slot - 1;
    }

    /// <summary>Subjects that reached at least each step (index 0 = step 1).</summary>
    public long[] Count()
    {
        var subjects = _subjectCount;
        var reached = new long[_steps];
        if (_count == 0)
        {
            return reached;
        }
        // Counting sort by subject: offsets, then every key in its subject's slice.
        var offsets = ArrayPool<int>.Shared.Rent(subjects + 1);
        var sorted = ArrayPool<long>.Shared.Rent(_count);
        try
        {
            Array.Clear(offsets, 0, subjects + 1);
            for (var i = 0; i < _count; i++)
            {
                offsets[_subjects[i] + 1]++;
            }
            for (var s = 0; s < subjects; s++)
            {
                offsets[s + 1] += offsets[s];
            }
            var next = ArrayPool<int>.Shared.Rent(subjects);
            try
            {
                Array.Copy(offsets, next, subjects);
                for (var i = 0; i < _count; i++)
                {
                    sorted[next[_subjects[i]]++] = _keys[i];
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(next);
            }
            Span<long> levels = stackalloc long[_steps];
            var toOffset = _toMs - _fromMs;
            for (var s = 0; s < subjects; s++)
            {
                var slice = sorted.AsSpan(offsets[s], offsets[s + 1] - offsets[s]);
                var depth = Deepest(slice, levels, toOffset);
                for (var k = 0; k < depth; k++)
                {
                    reached[k]++;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offsets);
            ArrayPool<long>.Shared.Return(sorted);
        }
        return reached;
    }

    /// <summary>The deepest step (0 = none) one subject's occurrences reach.</summary>
    private int Deepest(Span<long> keys, Span<long> levels, long toOffset)
    {
        if (keys.Length > 1)
        {
            keys.Sort();
        }
        levels.Fill(NotReached);
        const long maskOf = (1L << MaskBits) - 1;
        var i = 0;
        while (i < keys.Length)
        {
            // Every occurrence in the same millisecond acts at once, on the state before it.
            var time = keys[i] >> MaskBits;
            var mask = 0L;
            while (i < keys.Length && keys[i] >> MaskBits == time)
            {
                mask |= keys[i] & maskOf;
                i++;
            }
            // Descending, so one millisecond never advances two steps.
            for (var k = _steps - 1; k >= 1; k--)
            {
                var start = levels[k - 1];
                if ((mask & (1L << k)) != 0 && start != NotReached && time - start < _windowMs && start > levels[k])
                {
                    levels[k] = start;
                }
            }
            if ((mask & 1) != 0 && time < toOffset)
            {
                levels[0] = time; // the latest start
            }
        }
        for (var k = _steps - 1; k >= 0; k--)
        {
            if (levels[k] != NotReached)
            {
                return k + 1;
            }
        }
        return 0;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _keys.Length)
        {
            return;
        }
        var size = Math.Max(needed, _keys.Length * 2);
        var keys = ArrayPool<long>.Shared.Rent(size);
        var subjects = ArrayPool<int>.Shared.Rent(size);
        Array.Copy(_keys, keys, _count);
        Array.Copy(_subjects, subjects, _count);
        ArrayPool<long>.Shared.Return(_keys);
        ArrayPool<int>.Shared.Return(_subjects);
        _keys = keys;
        _subjects = subjects;
    }

    public void Dispose()
    {
        ArrayPool<long>.Shared.Return(_keys);
        ArrayPool<int>.Shared.Return(_subjects);
        _keys = [];
        _subjects = [];
    }
}

/// <summary>
/// Runs funnels over the occurrence blocks (<see cref="IEventOccurrenceReader"/>): each distinct
/// event type of the steps is scanned once, over [From, To) when it can only start the funnel and
/// over [From, To + window) otherwise; identity merges are applied so an anonymous visitor who
/// identified counts once, as the customer.
/// </summary>
public sealed class FunnelService(IEventOccurrenceReader occurrences)
{
    public async ValueTask<FunnelResult> RunAsync(FunnelQuery query, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Steps.Count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Steps.Count, FunnelQuery.MaxSteps);
        var masks = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < query.Steps.Count; k++)
        {
            foreach (var type in query.Steps[k].EventTypes)
            {
                masks[type] = masks.GetValueOrDefault(type) | (1 << k);
            }
        }
        var merges = await occurrences.ReadSubjectMergesAsync(cancellationToken);
        using var counter = new FunnelCounter(query.Steps.Count, query.From, query.To, query.Window, merges);
        var end = DateTimeOffset.FromUnixTimeMilliseconds(counter.EndMs);
        foreach (var (type, mask) in masks)
        {
            await occurrences.ScanAsync(type, query.From, mask == 1 ? query.To : end, block => counter.Add(mask, block), cancellationToken);
        }
        return FunnelResult.From(query, counter.Count());
    }
}
