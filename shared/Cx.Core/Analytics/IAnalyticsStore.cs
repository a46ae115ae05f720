namespace Cx.Core.Analytics;

/// <summary>Where the processor stands in one partition of the stream.</summary>
public readonly record struct StreamCheckpoint(string Partition, long Position);

/// <summary>
/// A batch of facts read from one partition, and the checkpoint that acknowledges it. The
/// roll-up totals of all its facts are added up when the batch is built (outside the store's
/// write), so a store only takes back the contributions of the facts it finds are duplicates.
/// </summary>
public sealed record AnalyticsBatch(IReadOnlyList<EventFact> Facts, StreamCheckpoint Checkpoint)
{
    public IReadOnlyDictionary<RollupKey, (long Count, long Sum)> RollupTotals { get; } = RollupMath.Totals(Facts);
}

/// <summary>What applying a batch changed. Duplicates (already applied events) changed nothing.</summary>
public sealed record AppliedBatch(
    int Applied,
    int Duplicates,
    IReadOnlyCollection<string> CustomerIds,
    IReadOnlyCollection<string> AnonymousIds,
    IReadOnlyCollection<string> EventTypes
);

/// <summary>
/// Where the batch processor stands: the checkpoint stored with its last committed batch of a
/// partition. What a stream needs to tell its lag, without the rest of the analytics store.
/// </summary>
public interface IStreamCheckpointReader
{
    /// <summary>The stored checkpoint of a partition, or null before the first batch.</summary>
    ValueTask<long?> GetCheckpointAsync(string partition, CancellationToken cancellationToken);
}

/// <summary>
/// The analytics store port, written by the batch processor only. Applying a batch is
/// idempotent per event (the <see cref="EventFact.DedupeKey"/> is remembered for the fact
/// retention), so at-least-once delivery never counts an event twice.
/// </summary>
public interface IAnalyticsStore : IStreamCheckpointReader
{
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies the batch's effects (facts, roll-ups, funnel blocks) and stores its checkpoint.
    /// Embedded: one transaction (exactly-once effects). Other stores: idempotent writes, then the checkpoint.
    /// </summary>
    ValueTask<AppliedBatch> ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken);

    /// <summary>Drops facts older than the retention and minute roll-ups older than theirs; returns rows removed.</summary>
    ValueTask<long> PruneAsync(DateTimeOffset factsBefore, DateTimeOffset minuteRollupsBefore, CancellationToken cancellationToken);
}
