using System.Text;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Cx.Core.Events;

namespace Cx.Azure.EventHubs;

/// <summary>
/// The event stream on Event Hubs. Each event is one EventData (its wire JSON); events are
/// partitioned by subject (customer id, else anonymous id) with a stable hash, so one
/// customer's events stay in order in one partition, and sent as one batch per partition.
/// <see cref="AppendAsync"/> returns when Event Hubs has acknowledged every batch (the buffered
/// producer is not used: it acknowledges before the service has the events).
/// </summary>
public sealed class EventHubsEventStream(EventHubProducerClient producer) : IEventStream, IAsyncDisposable
{
    private string[]? _partitions;

    public async ValueTask AppendAsync(IReadOnlyList<TrackedEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        var partitions = _partitions ??= await producer.GetPartitionIdsAsync(cancellationToken);
        var groups = new Dictionary<string, List<TrackedEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var partition = PartitionFor(e.Subject, partitions);
            if (!groups.TryGetValue(partition, out var list))
            {
                groups[partition] = list = [];
            }
            list.Add(e);
        }
        await Task.WhenAll(groups.Select(g => SendAsync(g.Key, g.Value, cancellationToken)));
    }

    /// <summary>The partition of a subject: a stable hash (XxHash32 of the UTF-8 subject key) modulo the partition count.</summary>
    public static string PartitionFor(string subject, IReadOnlyList<string> partitions) =>
        partitions[(int)(System.IO.Hashing.XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(subject)) % (uint)partitions.Count)];

    public static EventData ToEventData(TrackedEvent e)
    {
        var body = new System.Buffers.ArrayBufferWriter<byte>(256);
        EventCodec.Write(body, e);
        return new EventData(body.WrittenMemory) { ContentType = "application/json", MessageId = e.Id };
    }

    private async Task SendAsync(string partition, List<TrackedEvent> events, CancellationToken cancellationToken)
    {
        var batch = await producer.CreateBatchAsync(new CreateBatchOptions { PartitionId = partition }, cancellationToken);
        try
        {
            foreach (var e in events)
            {
                var data = ToEventData(e);
                if (batch.TryAdd(data))
                {
                    continue;
                }
                await producer.SendAsync(batch, cancellationToken);
                batch.Dispose();
                batch = await producer.CreateBatchAsync(new CreateBatchOptions { PartitionId = partition }, cancellationToken);
                if (!batch.TryAdd(data))
                {
                    throw new InvalidOperationException($"Event {e.Id} is larger than an Event Hubs batch.");
                }
            }
            if (batch.Count > 0)
            {
                await producer.SendAsync(batch, cancellationToken);
            }
        }
        finally
        {
            batch.Dispose();
        }
    }

    public ValueTask<StreamStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new StreamStatus("EventHubs", -1, -1, -1));

    public ValueTask DisposeAsync() => producer.DisposeAsync();
}
