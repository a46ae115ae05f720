using Cx.Core.Events;

namespace Cx.Core.Analytics;

/// <summary>Where the processor stands in one partition of the stream.</summary>
public readonly record struct StreamCheckpoint(string Partition, long Position);

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
/// The analytics store port, written by the batch processor only. Applying a batch is
/// idempotent per event (the <see cref="EventFact.DedupeKey"/> is remembered for the fact
/// retention), so at-least-once delivery never counts an event twice.
/// </summary>
public interface IAnalyticsStore
{
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies the batch's effects (facts, roll-ups, funnel blocks) and stores its checkpoint.
    /// Embedded: one transaction (exactly-once effects). Other stores: idempotent writes, then the checkpoint.
    /// </summary>
    ValueTask<AppliedBatch> ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken);

    /// <summary>The stored checkpoint of a partition, or null before the first batch.</summary>
    ValueTask<long?> GetCheckpointAsync(string partition, CancellationToken cancellationToken);

    /// <summary>Drops facts older than the retention and minute roll-ups older than theirs; returns rows removed.</summary>
    ValueTask<long> PruneAsync(DateTimeOffset factsBefore, DateTimeOffset minuteRollupsBefore, CancellationToken cancellationToken);
}

/// <summary>
/// Behavioural aggregates for segment rules (issue 4): exact values over the customer's own
/// events and those of the anonymous ids merged into them (see <see cref="BehaviorQuery"/> for
/// the window rule).
/// </summary>
public interface IBehaviorStore
{
    ValueTask<BehaviorResult> AggregateAsync(
        string customerId,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    );

    /// <summary>The same query for many customers at once (segment recompute); every id gets a result.</summary>
    ValueTask<IReadOnlyDictionary<string, BehaviorResult>> AggregateManyAsync(
        IReadOnlyCollection<string> customerIds,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    );
}

/// <summary>What a committed batch (or an identify) touched, for re-evaluating only the affected customers.</summary>
public sealed record EventBatchSummary(
    IReadOnlyCollection<string> CustomerIds,
    IReadOnlyCollection<string> AnonymousIds,
    IReadOnlyCollection<string> EventTypes,
    DateTimeOffset CommittedAt
);

/// <summary>
/// Called by the processor after each committed batch, and by identify after a merge.
/// At-most-once per commit (a crash between commit and the call skips it): an observer that
/// must not miss a change also reconciles periodically. Exceptions are logged, never retried.
/// </summary>
public interface IEventBatchObserver
{
    ValueTask OnBatchCommittedAsync(EventBatchSummary summary, CancellationToken cancellationToken);
}

/// <summary>A page of a customer's timeline, newest first.</summary>
public sealed record TimelinePage(IReadOnlyList<TrackedEvent> Items, TimelinePosition? Next);

/// <summary>Keyset position in a timeline: strictly older than (timestamp, key).</summary>
public sealed record TimelinePosition(long TimestampMs, string Key);

/// <summary>Reads a customer's events (including merged anonymous history), newest first.</summary>
public interface ITimelineReader
{
    ValueTask<TimelinePage> ReadTimelineAsync(
        string customerId,
        string? eventType,
        int limit,
        TimelinePosition? after,
        CancellationToken cancellationToken
    );
}

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

/// <summary>One occurrence in a funnel block: an interned subject and the event time.</summary>
public readonly record struct SubjectOccurrence(int SubjectId, long TimestampMs);

/// <summary>
/// Compact occurrence blocks for funnels and journeys: per event type and UTC hour, packed
/// (subject id, time) pairs of every distinct event. Subjects are interned integers; anonymous
/// subjects merged into a customer map to the customer's id through <see cref="ReadSubjectMergesAsync"/>.
/// </summary>
public interface IEventOccurrenceReader
{
    /// <summary>Calls <paramref name="onBlock"/> for each stored block overlapping [from, to) (occurrences outside are filtered out).</summary>
    ValueTask ScanAsync(
        string eventType,
        DateTimeOffset from,
        DateTimeOffset to,
        Action<ReadOnlySpan<SubjectOccurrence>> onBlock,
        CancellationToken cancellationToken
    );

    /// <summary>Anonymous subject id → the customer subject id it was merged into.</summary>
    ValueTask<IReadOnlyDictionary<int, int>> ReadSubjectMergesAsync(CancellationToken cancellationToken);

    /// <summary>The subject key (<c>c:id</c> or <c>a:id</c>) of interned ids.</summary>
    ValueTask<IReadOnlyDictionary<int, string>> ReadSubjectsAsync(IReadOnlyCollection<int> subjectIds, CancellationToken cancellationToken);
}

/// <summary>A blob: name and content.</summary>
public sealed record StoredBlob(string Name, long Size, DateTimeOffset LastModified);

/// <summary>The blob store port (Azure Blob Storage; a folder under .data/ embedded). Archives and exports use it.</summary>
public interface IBlobStore
{
    /// <summary>Writes (or overwrites) a blob atomically: readers see the old or the new content, never a part.</summary>
    ValueTask PutAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        CancellationToken cancellationToken
    );

    /// <summary>The content, or null when the blob does not exist.</summary>
    ValueTask<byte[]?> GetAsync(string container, string name, CancellationToken cancellationToken);

    /// <summary>Blobs whose names start with <paramref name="prefix"/>, in name order.</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(string container, string prefix, CancellationToken cancellationToken);
}
