namespace Cx.Core.Queues;

/// <summary>
/// A message handed to a consumer under a lease. Until it is settled (completed, abandoned or
/// dead-lettered) no other message of its partition key is handed out; if the lease runs out
/// first (the consumer crashed), the message is delivered again with a higher
/// <see cref="Attempt"/>. Settling after the lease was lost throws <see cref="QueueLeaseLostException"/>.
/// </summary>
public abstract class QueueDelivery(
    string queue,
    string messageId,
    string partitionKey,
    ReadOnlyMemory<byte> body,
    int attempt,
    DateTimeOffset enqueuedAt
)
{
    public string Queue { get; } = queue;

    public string MessageId { get; } = messageId;

    public string PartitionKey { get; } = partitionKey;

    public ReadOnlyMemory<byte> Body { get; } = body;

    /// <summary>1 on the first delivery, 2 on the first retry, and so on.</summary>
    public int Attempt { get; } = attempt;

    public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;

    /// <summary>Done: the message leaves the queue and the next one of its key can be delivered.</summary>
    public abstract ValueTask CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Not done: deliver this message again after <paramref name="retryAfter"/>, still ahead of the rest of its key.</summary>
    public abstract ValueTask AbandonAsync(TimeSpan retryAfter, string reason, CancellationToken cancellationToken);

    /// <summary>Give up: the message moves to the dead letters with <paramref name="reason"/> and its key moves on.</summary>
    public abstract ValueTask DeadLetterAsync(string reason, CancellationToken cancellationToken);
}

/// <summary>The delivery's lease ran out (or it was settled already): another consumer may hold the message now.</summary>
public sealed class QueueLeaseLostException(string queue, string messageId)
    : InvalidOperationException($"The lease on message '{messageId}' of queue '{queue}' was lost; it will be delivered again.");
