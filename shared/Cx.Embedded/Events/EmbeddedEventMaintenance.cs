using Cx.Core.Analytics;
using Cx.Core.Blobs;
using Cx.Embedded.Analytics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Events;

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
