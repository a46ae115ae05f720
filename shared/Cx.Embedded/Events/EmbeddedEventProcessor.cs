using Cx.Core.Analytics;
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
    IAnalyticsStore store,
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
