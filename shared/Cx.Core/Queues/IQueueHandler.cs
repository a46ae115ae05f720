namespace Cx.Core.Queues;

/// <summary>
/// Handles the messages of one queue (webhook deliveries, notification sends). Runs under
/// <see cref="WorkQueueConsumer"/>: messages of different keys concurrently, those of one key one
/// after another. Delivery is at-least-once, so a handler must be idempotent by message id.
/// </summary>
public interface IQueueHandler
{
    /// <summary>The queue this handler consumes.</summary>
    string Queue { get; }

    /// <summary>When to try a failed message again, and when to give up.</summary>
    QueueRetryPolicy RetryPolicy { get; }

    /// <summary>Handles one delivery; throwing is the same as <see cref="QueueOutcome.Retry"/> with the exception's message.</summary>
    ValueTask<QueueOutcome> HandleAsync(QueueDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>What the consumer does with a delivery after its handler ran.</summary>
public readonly record struct QueueOutcome(QueueOutcomeKind Kind, string? Reason, TimeSpan? RetryAfter)
{
    public static QueueOutcome Complete { get; } = new(QueueOutcomeKind.Complete, null, null);

    /// <summary>Try again after the retry policy's delay for this attempt (or dead-letter when it has none left).</summary>
    public static QueueOutcome Retry(string reason) => new(QueueOutcomeKind.Retry, reason, null);

    /// <summary>Try again after <paramref name="delay"/> (a receiver's Retry-After), within the policy's attempts.</summary>
    public static QueueOutcome RetryAfterDelay(TimeSpan delay, string reason) => new(QueueOutcomeKind.Retry, reason, delay);

    public static QueueOutcome DeadLetter(string reason) => new(QueueOutcomeKind.DeadLetter, reason, null);
}

public enum QueueOutcomeKind
{
    Complete,
    Retry,
    DeadLetter,
}
