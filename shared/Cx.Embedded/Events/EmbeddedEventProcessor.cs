using Cx.Core.Analytics;
using Cx.Core.Blobs;
using Cx.Core.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Events;

/// <summary>
/// The embedded batch processor: reads the log after its checkpoint and hands a batch to
/// <see cref="EventBatchProcessor"/> once it holds <see cref="AnalyticsOptions.MaxBatchEvents"/>
/// events or its oldest event has waited <see cref="AnalyticsOptions.MaxBatchDelayMs"/>. The
/// store commits the effects and the checkpoint together, so a crash at any point replays
/// the batch at most once more and the replay changes nothing twice.
/// </summary>
public sealed partial class EmbeddedEventProcessor(
    SqliteEventLog log,
    SqliteAnalyticsStore store,
    EventBatchProcessor processor,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<EmbeddedEventProcessor> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await log.InitializeAsync(stoppingToken);
        await store.InitializeAsync(stoppingToken);
        var checkpoint = await store.GetCheckpointAsync(SqliteEventLog.Partition, stoppingToken) ?? 0;
        var settings = options.Value;
        var failures = 0;
        Task<AnalyticsBatch?>? ahead = null; // the next batch of a backlog, prepared while the current one is applied
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var batch = ahead is null ? null : await ahead;
                ahead = null;
                batch ??= await NextBatchAsync(checkpoint, settings, stoppingToken);
                if (batch is null)
                {
                    continue;
                }
                var position = batch.Checkpoint.Position;
                if (batch.Facts.Count >= settings.MaxBatchEvents)
                {
                    ahead = Task.Run(() => PrepareBacklogAsync(position, settings, stoppingToken), stoppingToken);
                }
                await processor.ApplyAsync(batch, stoppingToken);
                checkpoint = position;
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                await DiscardAsync(ahead);
                ahead = null;
                failures++;
                LogBatchFailed(logger, ex, checkpoint, failures);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * (1 << Math.Min(failures, 8)))), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                checkpoint = await store.GetCheckpointAsync(SqliteEventLog.Partition, stoppingToken) ?? 0;
            }
        }
    }

    /// <summary>
    /// The next batch after <paramref name="checkpoint"/> once it is due: full (a backlog is taken
    /// in catch-up batches) or its oldest event has waited the batch delay. Null when nothing is due yet.
    /// </summary>
    private async Task<AnalyticsBatch?> NextBatchAsync(long checkpoint, AnalyticsOptions settings, CancellationToken stoppingToken)
    {
        var rows = log.Read(checkpoint, settings.MaxBatchEvents);
        if (rows.Count == 0)
        {
            await log.Appended.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            return null;
        }
        var events = rows.Sum(r => r.Count);
        if (events >= settings.MaxBatchEvents && settings.MaxCatchUpBatchEvents > settings.MaxBatchEvents)
        {
            rows = log.Read(checkpoint, settings.MaxCatchUpBatchEvents);
            events = rows.Sum(r => r.Count);
        }
        var waited = time.GetUtcNow().ToUnixTimeMilliseconds() - rows[0].AppendedAtMs;
        if (events < settings.MaxBatchEvents && waited < settings.MaxBatchDelayMs)
        {
            // Not full and not old enough: wait for more events or for the oldest to come due.
            await log.Appended.WaitAsync(TimeSpan.FromMilliseconds(settings.MaxBatchDelayMs - waited), stoppingToken);
            var pending = log.Pending(checkpoint);
            if (
                pending.Events < settings.MaxBatchEvents
                && time.GetUtcNow().ToUnixTimeMilliseconds() - rows[0].AppendedAtMs < settings.MaxBatchDelayMs
            )
            {
                return null;
            }
            rows = log.Read(checkpoint, settings.MaxBatchEvents);
        }
        return await PrepareAsync(checkpoint, rows, stoppingToken);
    }

    /// <summary>The batch after <paramref name="position"/> when a full one is already waiting; otherwise null.</summary>
    private async Task<AnalyticsBatch?> PrepareBacklogAsync(long position, AnalyticsOptions settings, CancellationToken stoppingToken)
    {
        var rows = log.Read(position, Math.Max(settings.MaxBatchEvents, settings.MaxCatchUpBatchEvents));
        return rows.Sum(r => r.Count) >= settings.MaxBatchEvents ? await PrepareAsync(position, rows, stoppingToken) : null;
    }

    private Task<AnalyticsBatch> PrepareAsync(long after, IReadOnlyList<LogRow> rows, CancellationToken stoppingToken)
    {
        var events = new List<TrackedEvent>(rows.Sum(r => r.Count));
        log.ReadData(after, rows[^1].Seq, (_, data) => EventCodec.DecodeLines(data, events));
        return processor.PrepareAsync(events, new StreamCheckpoint(SqliteEventLog.Partition, rows[^1].Seq), stoppingToken);
    }

    private static async Task DiscardAsync(Task<AnalyticsBatch?>? ahead)
    {
        if (ahead is null)
        {
            return;
        }
        try
        {
            await ahead;
        }
        catch (Exception)
        {
            // Prepared from a position that is read again after the failure: its outcome no longer matters.
        }
    }

    [LoggerMessage(
        EventId = 1310,
        Level = LogLevel.Error,
        Message = "Event batch after position {Checkpoint} failed (attempt {Attempt}); retrying"
    )]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, long checkpoint, int attempt);
}

/// <summary>
/// Housekeeping of the embedded stream: archives raw events to the blob store in gzip NDJSON
/// batches (by size or age), then deletes log rows that are processed, archived and older
/// than the log retention; prunes expired facts and minute roll-ups; compacts funnel blocks.
/// </summary>
public sealed partial class EmbeddedEventMaintenance(
    SqliteEventLog log,
    SqliteAnalyticsStore store,
    IBlobStore blobs,
    IOptions<AnalyticsOptions> analytics,
    IOptions<EmbeddedEventsOptions> options,
    TimeProvider time,
    ILogger<EmbeddedEventMaintenance> logger
) : BackgroundService
{
    public const string ArchivePartition = "archive";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var lastPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Value.MaintenanceIntervalSeconds), time, stoppingToken);
                while (await ArchiveOnceAsync(force: false, stoppingToken) > 0) { }
                if (time.GetUtcNow() - lastPrune > TimeSpan.FromMinutes(10))
                {
                    lastPrune = time.GetUtcNow();
                    await PruneAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogMaintenanceFailed(logger, ex);
            }
        }
    }

    /// <summary>Archives the next range of log rows when it is due (or always, when forced). Returns events archived.</summary>
    public async Task<int> ArchiveOnceAsync(bool force, CancellationToken cancellationToken)
    {
        await log.InitializeAsync(cancellationToken);
        var settings = analytics.Value;
        var archived = await store.GetCheckpointAsync(ArchivePartition, cancellationToken) ?? 0;
        var (pending, oldest) = log.Pending(archived);
        if (pending == 0 || oldest is null)
        {
            return 0;
        }
        var due =
            force
            || pending >= settings.ArchiveMaxEvents
            || time.GetUtcNow().ToUnixTimeMilliseconds() - oldest.Value >= settings.ArchiveMaxAgeSeconds * 1000L;
        if (!due)
        {
            return 0;
        }
        var rows = log.Read(archived, settings.ArchiveMaxEvents, maxRows: 100_000);
        var name = EventArchive.BlobName(
            SqliteEventLog.Partition,
            DateTimeOffset.FromUnixTimeMilliseconds(rows[0].AppendedAtMs),
            rows[0].Seq
        );
        var archive = EventArchive.Compress(gzip => log.ReadData(archived, rows[^1].Seq, (_, data) => gzip.Write(data)));
        await blobs.PutAsync(settings.ArchiveContainer, name, archive, EventArchive.ContentType, cancellationToken);
        await store.SetCheckpointAsync(ArchivePartition, rows[^1].Seq, cancellationToken);
        var count = rows.Sum(r => r.Count);
        LogArchived(logger, count, name);
        return count;
    }

    public async Task PruneAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var processed = await store.GetCheckpointAsync(SqliteEventLog.Partition, cancellationToken) ?? 0;
        var archived = await store.GetCheckpointAsync(ArchivePartition, cancellationToken) ?? 0;
        var rows = await log.PruneAsync(
            Math.Min(processed, archived),
            now.AddHours(-options.Value.LogRetentionHours).ToUnixTimeMilliseconds(),
            cancellationToken
        );
        var facts = await store.PruneAsync(
            now.AddDays(-analytics.Value.FactRetentionDays),
            now.AddDays(-analytics.Value.MinuteRollupRetentionDays),
            cancellationToken
        );
        var blocks = await store.CompactBlocksAsync(now.AddHours(-2), cancellationToken);
        LogPruned(logger, rows, facts, blocks);
    }

    [LoggerMessage(EventId = 1320, Level = LogLevel.Information, Message = "Archived {Count} events to {Blob}")]
    private static partial void LogArchived(ILogger logger, int count, string blob);

    [LoggerMessage(
        EventId = 1321,
        Level = LogLevel.Debug,
        Message = "Pruned {LogRows} log rows and {Facts} analytics rows; merged {Blocks} blocks"
    )]
    private static partial void LogPruned(ILogger logger, int logRows, long facts, int blocks);

    [LoggerMessage(EventId = 1322, Level = LogLevel.Error, Message = "Event maintenance failed")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
