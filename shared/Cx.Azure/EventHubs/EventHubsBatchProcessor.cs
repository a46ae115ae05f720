using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Processor;
using Cx.Core.Analytics;
using Cx.Core.Blobs;
using Cx.Core.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure.EventHubs;

/// <summary>
/// The glue between an Event Hubs partition batch and the product's batch logic: archives the
/// raw events (gzip NDJSON, named by partition and first sequence number, so a replay
/// overwrites the same blob), has <see cref="EventBatchProcessor"/> apply them (idempotent per
/// event), then checkpoints after the last event. A crash before the checkpoint replays the
/// batch; the replay's duplicates change nothing.
/// </summary>
public sealed partial class EventHubsBatchHandler(
    EventBatchProcessor processor,
    IBlobStore blobs,
    IOptions<AnalyticsOptions> options,
    ILogger<EventHubsBatchHandler> logger
)
{
    public async Task HandleAsync(
        string partitionId,
        IReadOnlyList<EventData> events,
        Func<CheckpointPosition, CancellationToken, Task> checkpoint,
        CancellationToken cancellationToken
    )
    {
        if (events.Count == 0)
        {
            return;
        }
        var decoded = new List<TrackedEvent>(events.Count);
        foreach (var data in events)
        {
            try
            {
                decoded.Add(EventCodec.Decode(data.EventBody.ToMemory()));
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                // Not written by Cx: skip it rather than block the partition forever.
                LogUndecodable(logger, ex, partitionId, data.SequenceNumber);
            }
        }
        var last = events[^1];
        var archive = EventArchive.Compress(events.Select(e => AppendNewLine(e.EventBody.ToMemory())));
        await blobs.PutAsync(
            options.Value.ArchiveContainer,
            EventArchive.BlobName(partitionId, events[0].EnqueuedTime, events[0].SequenceNumber),
            archive,
            EventArchive.ContentType,
            cancellationToken
        );
        if (decoded.Count > 0)
        {
            await processor.ProcessAsync(decoded, new StreamCheckpoint(partitionId, last.SequenceNumber), cancellationToken);
        }
        await checkpoint(CheckpointPosition.FromEvent(last), cancellationToken);
    }

    private static ReadOnlyMemory<byte> AppendNewLine(ReadOnlyMemory<byte> body)
    {
        var line = new byte[body.Length + 1];
        body.Span.CopyTo(line);
        line[^1] = (byte)'\n';
        return line;
    }

    [LoggerMessage(
        EventId = 1400,
        Level = LogLevel.Warning,
        Message = "Skipped an undecodable event in partition {Partition} at sequence {Sequence}"
    )]
    private static partial void LogUndecodable(ILogger logger, Exception exception, string partition, long sequence);
}

/// <summary>
/// The Event Hubs consumer of the worker, built on the SDK's own
/// <see cref="PluggableCheckpointStoreEventProcessor{TPartition}"/> with the blob checkpoint store:
/// load balancing across instances by ownership blobs, batches of up to
/// <see cref="EventHubsOptions.MaxBatchEvents"/> or <see cref="EventHubsOptions.MaxBatchDelayMs"/>.
/// </summary>
public sealed partial class EventHubsBatchProcessor : PluggableCheckpointStoreEventProcessor<EventProcessorPartition>
{
    private readonly EventHubsBatchHandler _handler;
    private readonly ILogger _logger;

    public EventHubsBatchProcessor(
        CheckpointStore checkpointStore,
        EventHubsOptions options,
        IConfiguration configuration,
        EventHubsBatchHandler handler,
        ILogger<EventHubsBatchProcessor> logger
    )
        : base(
            checkpointStore,
            options.MaxBatchEvents,
            options.ConsumerGroup,
            AzureConnections.ConnectionString(configuration, EventHubsOptions.ConnectionSection) ?? "",
            options.HubName,
            ProcessorOptions(options)
        )
    {
        _handler = handler;
        _logger = logger;
    }

    public EventHubsBatchProcessor(
        CheckpointStore checkpointStore,
        EventHubsOptions options,
        string fullyQualifiedNamespace,
        global::Azure.Core.TokenCredential credential,
        EventHubsBatchHandler handler,
        ILogger<EventHubsBatchProcessor> logger
    )
        : base(
            checkpointStore,
            options.MaxBatchEvents,
            options.ConsumerGroup,
            fullyQualifiedNamespace,
            options.HubName,
            credential,
            ProcessorOptions(options)
        )
    {
        _handler = handler;
        _logger = logger;
    }

    private static EventProcessorOptions ProcessorOptions(EventHubsOptions options) =>
        new()
        {
            MaximumWaitTime = TimeSpan.FromMilliseconds(options.MaxBatchDelayMs),
            PrefetchCount = Math.Max(300, options.MaxBatchEvents * 2),
        };

    protected override Task OnProcessingEventBatchAsync(
        IEnumerable<EventData> events,
        EventProcessorPartition partition,
        CancellationToken cancellationToken
    ) =>
        _handler.HandleAsync(
            partition.PartitionId,
            events as IReadOnlyList<EventData> ?? [.. events],
            (position, ct) => UpdateCheckpointAsync(partition.PartitionId, position, ct),
            cancellationToken
        );

    protected override Task OnProcessingErrorAsync(
        Exception exception,
        EventProcessorPartition partition,
        string operationDescription,
        CancellationToken cancellationToken
    )
    {
        LogProcessingError(_logger, exception, partition?.PartitionId ?? "(none)", operationDescription);
        return Task.CompletedTask;
    }

    [LoggerMessage(
        EventId = 1401,
        Level = LogLevel.Error,
        Message = "Event Hubs processing failed in partition {Partition} during {Operation}"
    )]
    private static partial void LogProcessingError(ILogger logger, Exception exception, string partition, string operation);
}

/// <summary>Runs the Event Hubs processor for the life of the host (when enabled).</summary>
public sealed class EventHubsProcessorService(EventHubsBatchProcessor processor, IOptions<EventHubsOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.ProcessorEnabled ? processor.StartProcessingAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) =>
        options.Value.ProcessorEnabled ? processor.StopProcessingAsync(cancellationToken) : Task.CompletedTask;
}
