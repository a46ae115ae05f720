namespace Cx.Core.Queues;

/// <summary>
/// One unit of work to put on a queue. <paramref name="Id"/> makes the enqueue idempotent (a second
/// message with the same id on the same queue is dropped while the first is known to the queue);
/// <paramref name="PartitionKey"/> orders delivery: messages of one key are handed out one at a
/// time, oldest first, and a message waiting for its retry holds back the ones behind it.
/// <paramref name="NotBefore"/> delays the first delivery.
/// </summary>
public sealed record QueueMessage(string Id, string PartitionKey, ReadOnlyMemory<byte> Body, DateTimeOffset? NotBefore = null);
