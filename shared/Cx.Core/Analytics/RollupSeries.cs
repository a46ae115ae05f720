namespace Cx.Core.Analytics;

/// <summary>
/// A roll-up time series: the buckets whose start lies in [From, To). A total series is dense
/// (every bucket of the range, zero when nothing happened), so charts need no gap filling; a
/// breakdown (by page or dimension value) lists only the (bucket, value) pairs that have events,
/// because the values are open-ended. Totals add up the points.
/// </summary>
public sealed record RollupSeries(RollupQuery Query, IReadOnlyList<RollupPoint> Points, long Count, decimal Sum);

/// <summary>Reads roll-up series through <see cref="IRollupReader"/>, within the range limits of each granularity.</summary>
public sealed class RollupSeriesService(IRollupReader reader)
{
    /// <summary>The most (bucket, value) pairs a breakdown series may hold; a larger one asks for a narrower query.</summary>
    public const int MaxBreakdownPoints = 10_000;

    /// <summary>The longest range of a series: one day of minutes, 31 days of hours, 366 days of days.</summary>
    public static TimeSpan MaxRange(Granularity granularity) =>
        granularity switch
        {
            Granularity.Minute => TimeSpan.FromDays(1),
            Granularity.Hour => TimeSpan.FromDays(31),
            Granularity.Day => TimeSpan.FromDays(366),
            _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
        };

    /// <summary>The starts of the buckets in [from, to): from the first bucket start at or after <paramref name="from"/>.</summary>
    public static IEnumerable<DateTimeOffset> BucketStarts(Granularity granularity, DateTimeOffset from, DateTimeOffset to)
    {
        var size = RollupMath.BucketSizeMs(granularity);
        var fromMs = from.ToUnixTimeMilliseconds();
        var start = RollupMath.BucketStart(fromMs, granularity);
        if (start < fromMs)
        {
            start += size;
        }
        for (var bucket = start; bucket < to.ToUnixTimeMilliseconds(); bucket += size)
        {
            yield return DateTimeOffset.FromUnixTimeMilliseconds(bucket);
        }
    }

    public async ValueTask<RollupSeries> ReadAsync(RollupQuery query, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(query.From, query.To);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.To - query.From, MaxRange(query.Granularity));
        var stored = await reader.ReadRollupsAsync(query, cancellationToken);
        IReadOnlyList<RollupPoint> points = stored;
        if (query.Breakdown == RollupBreakdown.Total)
        {
            var byStart = stored.ToDictionary(p => p.BucketStart);
            points =
            [
                .. BucketStarts(query.Granularity, query.From, query.To)
                    .Select(start => byStart.GetValueOrDefault(start) ?? new RollupPoint(start, "", 0, 0m)),
            ];
        }
        return new RollupSeries(query, points, points.Sum(p => p.Count), points.Sum(p => p.Sum));
    }
}
