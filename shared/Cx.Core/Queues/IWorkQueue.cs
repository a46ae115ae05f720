namespace Cx.Core.Queues;

/// <summary>
/// The work-queue port: durable, at-least-once delivery with per-key ordering, leases, scheduled
/// retries and dead letters. Adapters: the embedded queue in the SQLite file of the embedded
/// store, and Azure Service Bus (sessions for the keys, its dead-letter sub-queue). Consumers
/// normally do not call <see cref="ReceiveAsync"/> themselves: they implement
/// <see cref="IQueueHandler"/> and <see cref="WorkQueueConsumer"/> runs them.
/// </summary>
public interface IWorkQueue
{
    /// <summary>
    /// Durably adds <paramref name="messages"/> to <paramref name="queue"/> (all or none) and returns
    /// once they are stored. A message whose id the queue already knows is ignored.
    /// </summary>
    ValueTask EnqueueAsync(string queue, IReadOnlyList<QueueMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="maxMessages"/> due messages, at most one per partition key (the
    /// oldest unsettled one of the key), for <paramref name="lease"/>. Empty when nothing is due.
    /// </summary>
    ValueTask<IReadOnlyList<QueueDelivery>> ReceiveAsync(
        string queue,
        int maxMessages,
        TimeSpan lease,
        CancellationToken cancellationToken
    );

    /// <summary>The most recent dead letters of <paramref name="queue"/>, newest first.</summary>
    ValueTask<IReadOnlyList<DeadLetteredMessage>> ListDeadLettersAsync(string queue, int limit, CancellationToken cancellationToken);
}

/// <summary>A message that was given up on, with the reason given.</summary>
public sealed record DeadLetteredMessage(
    string Queue,
    string MessageId,
    string PartitionKey,
    ReadOnlyMemory<byte> Body,
    int Attempts,
    string Reason
);
