namespace Cx.Core.Analytics;

/// <summary>Roll-up bucket sizes. Buckets are aligned to UTC (minute, hour, midnight UTC).</summary>
public enum Granularity : byte
{
    Minute = 1,
    Hour = 2,
    Day = 3,
}

/// <summary>What a roll-up row breaks down by: the total of its type, a page or a dimension value.</summary>
public enum RollupBreakdown : byte
{
    Total = 0,
    Page = 1,
    Dimension = 2,
}

/// <summary>
/// One roll-up counter: the events of <see cref="EventType"/> in a bucket, in total (empty
/// <see cref="Name"/> and <see cref="Value"/>), per page (<see cref="Name"/> = <c>page</c>) or
/// per value of a configured dimension (<see cref="Name"/> = the property).
/// </summary>
public readonly record struct RollupKey(
    Granularity Granularity,
    long BucketStartMs,
    string EventType,
    RollupBreakdown Breakdown,
    string Name,
    string Value
);

/// <summary>The counters of one roll-up row: how many events, and the sum of the type's value property.</summary>
public readonly record struct RollupTotals(long Count, decimal Sum);

public static class RollupMath
{
    /// <summary>Roll-up sums are kept in fixed point: the value times this (four decimals).</summary>
    public const long SumScale = 10_000;

    /// <summary>A value in the fixed point of roll-up sums (rounded half to even; clamped far from overflow).</summary>
    public static long ScaleSum(decimal value)
    {
        try
        {
            return (long)decimal.Round(value * SumScale, MidpointRounding.ToEven);
        }
        catch (OverflowException)
        {
            return value < 0 ? long.MinValue / 4 : long.MaxValue / 4;
        }
    }

    /// <summary>What the facts add to each roll-up row: their count and the fixed-point sum of their values.</summary>
    public static Dictionary<RollupKey, (long Count, long Sum)> Totals(IEnumerable<EventFact> facts)
    {
        var totals = new Dictionary<RollupKey, (long Count, long Sum)>();
        var keys = new List<RollupKey>();
        foreach (var fact in facts)
        {
            var scaled = fact.Value is { } value ? ScaleSum(value) : 0;
            keys.Clear();
            fact.AddRollups(keys);
            foreach (var key in keys)
            {
                ref var row = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(totals, key, out _);
                row = (row.Count + 1, row.Sum + scaled);
            }
        }
        return totals;
    }

    public const int MaxDimensionValueLength = 128;

    public const int MaxPageLength = 512;

    public static readonly IReadOnlyList<Granularity> Granularities = [Granularity.Minute, Granularity.Hour, Granularity.Day];

    public static long BucketSizeMs(Granularity granularity) =>
        granularity switch
        {
            Granularity.Minute => 60_000L,
            Granularity.Hour => 3_600_000L,
            Granularity.Day => 86_400_000L,
            _ => throw new ArgumentOutOfRangeException(nameof(granularity)),
        };

    /// <summary>The start of the bucket holding <paramref name="timestampMs"/> (floor, also before 1970).</summary>
    public static long BucketStart(long timestampMs, Granularity granularity)
    {
        var size = BucketSizeMs(granularity);
        return Math.DivRem(timestampMs, size) is var (q, r) && r < 0 ? (q - 1) * size : q * size;
    }

    /// <summary>
    /// The page as roll-ups key it: the path without query string or fragment, at most
    /// <see cref="MaxPageLength"/> characters (an absolute URL keeps only its path).
    /// </summary>
    public static string? NormalizePage(string? page)
    {
        if (string.IsNullOrEmpty(page))
        {
            return null;
        }
        if (
            page.StartsWith("http", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(page, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        )
        {
            page = uri.AbsolutePath;
        }
        var cut = page.AsSpan().IndexOfAny('?', '#');
        if (cut >= 0)
        {
            page = page[..cut];
        }
        if (page.Length > MaxPageLength)
        {
            page = page[..MaxPageLength];
        }
        return page.Length == 0 ? null : page;
    }

    public static string TruncateDimension(string value) =>
        value.Length > MaxDimensionValueLength ? value[..MaxDimensionValueLength] : value;
}
