using Cx.Core.Events;

namespace Cx.Core.Analytics;

/// <summary>
/// One event prepared for the analytics store: its idempotency key, subject, value, and what its
/// roll-up rows are made of (the roll-up page and the configured dimension values), from which
/// <see cref="AddRollups"/> lists the rows without keeping them per fact.
/// </summary>
public sealed record EventFact(
    TrackedEvent Event,
    UInt128 DedupeKey,
    string Subject,
    decimal? Value,
    string? RollupPage,
    IReadOnlyList<(string Name, string Value)> Dimensions
)
{
    /// <summary>The roll-up rows this fact adds to (see <see cref="AddRollups"/>).</summary>
    public IReadOnlyList<RollupKey> Rollups
    {
        get
        {
            var rollups = new List<RollupKey>();
            AddRollups(rollups);
            return rollups;
        }
    }

    /// <summary>
    /// Adds the roll-up rows of this fact to <paramref name="into"/>: per granularity the total of its
    /// type; from the hour up also its page and each dimension value (minutes keep totals only).
    /// </summary>
    public void AddRollups(List<RollupKey> into)
    {
        var ts = Event.Timestamp.ToUnixTimeMilliseconds();
        foreach (var granularity in RollupMath.Granularities)
        {
            var bucket = RollupMath.BucketStart(ts, granularity);
            into.Add(new RollupKey(granularity, bucket, Event.Type, RollupBreakdown.Total, "", ""));
            if (granularity == Granularity.Minute)
            {
                continue;
            }
            if (RollupPage is not null)
            {
                into.Add(new RollupKey(granularity, bucket, Event.Type, RollupBreakdown.Page, "page", RollupPage));
            }
            foreach (var (name, value) in Dimensions)
            {
                into.Add(new RollupKey(granularity, bucket, Event.Type, RollupBreakdown.Dimension, name, value));
            }
        }
    }
}
