namespace Cx.Core.Analytics;

/// <summary>A roll-up series request: one event type, one granularity, buckets starting in [From, To).</summary>
public sealed record RollupQuery(
    string EventType,
    Granularity Granularity,
    DateTimeOffset From,
    DateTimeOffset To,
    RollupBreakdown Breakdown = RollupBreakdown.Total,
    string? Name = null
);

/// <summary>One bucket of a series: start, breakdown value (page or dimension value, empty for totals) and totals.</summary>
public sealed record RollupPoint(DateTimeOffset BucketStart, string Value, long Count, decimal Sum);

/// <summary>Reads roll-ups (the analytics read API of issue part 5 builds on this).</summary>
public interface IRollupReader
{
    ValueTask<IReadOnlyList<RollupPoint>> ReadRollupsAsync(RollupQuery query, CancellationToken cancellationToken);
}
