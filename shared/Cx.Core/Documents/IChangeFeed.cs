namespace Cx.Core.Documents;

public enum ChangeKind
{
    Upsert,
    Delete,
}

/// <summary>
/// One committed write. <see cref="Position"/> is opaque and only meaningful to the feed
/// that produced it. <see cref="After"/> is null for deletes; <see cref="Before"/> is the
/// previous body where the store can supply it (SQLite always; Cosmos DB does not).
/// </summary>
public sealed record ChangeRecord(
    string Position,
    string Container,
    string Id,
    string PartitionKey,
    string Type,
    ChangeKind Kind,
    string ETag,
    DateTimeOffset CommittedAt,
    ReadOnlyMemory<byte>? Before,
    ReadOnlyMemory<byte>? After
);

/// <summary>A batch read from the feed and the checkpoint that acknowledges it.</summary>
public sealed record ChangeBatch(IReadOnlyList<ChangeRecord> Changes, string Checkpoint);

/// <summary>
/// The ordered change feed of the document store, read by named consumers with durable
/// checkpoints. Delivery is at-least-once: a consumer that fails before
/// <see cref="CommitAsync"/> receives the same changes again.
/// </summary>
public interface IChangeFeed
{
    /// <summary>Reads up to <paramref name="maxItems"/> changes after the consumer's checkpoint.</summary>
    ValueTask<ChangeBatch> ReadAsync(string consumer, int maxItems, CancellationToken cancellationToken);

    /// <summary>Stores the consumer's checkpoint (from <see cref="ChangeBatch.Checkpoint"/>).</summary>
    ValueTask CommitAsync(string consumer, string checkpoint, CancellationToken cancellationToken);

    /// <summary>
    /// Drops changes that every consumer has passed and that are older than the store's
    /// retention. Returns how many were dropped; a store whose feed retention is managed by
    /// the service itself (Cosmos DB) drops none and returns 0.
    /// </summary>
    ValueTask<int> PruneAsync(CancellationToken cancellationToken);
}
