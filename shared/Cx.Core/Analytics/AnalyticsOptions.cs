using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Analytics;

/// <summary>Settings of the batch processor and the analytics store, bound from <c>Cx:Analytics</c>.</summary>
public sealed class AnalyticsOptions
{
    public const string Section = "Cx:Analytics";

    /// <summary>A batch is processed when it holds this many events ...</summary>
    [Range(1, 100_000)]
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>
    /// When more than one batch is waiting (a backlog after a burst or a restart), the processor
    /// takes up to this many events in one transaction: the roll-up rows a batch touches repeat
    /// across events, so larger catch-up batches cost less per event. Latency is not affected:
    /// these events are already late.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxCatchUpBatchEvents { get; set; } = 10_000;

    /// <summary>... or when its oldest event has waited this long, in milliseconds.</summary>
    [Range(1, 60_000)]
    public int MaxBatchDelayMs { get; set; } = 250;

    /// <summary>
    /// How long per-customer facts (the raw events behind aggregates and timelines) and their
    /// idempotency keys are kept, by event time. Rolling windows longer than this are capped.
    /// </summary>
    [Range(1, 3650)]
    public int FactRetentionDays { get; set; } = 400;

    /// <summary>Minute roll-ups older than this are dropped (hour and day roll-ups are kept).</summary>
    [Range(1, 3650)]
    public int MinuteRollupRetentionDays { get; set; } = 14;

    /// <summary>Raw events are archived in blobs of at most this many events ...</summary>
    [Range(1, 10_000_000)]
    public int ArchiveMaxEvents { get; set; } = 100_000;

    /// <summary>... or once the oldest unarchived event is this old, in seconds.</summary>
    [Range(1, 86_400)]
    public int ArchiveMaxAgeSeconds { get; set; } = 60;

    /// <summary>
    /// The longest time range, in days, a funnel or a journey report may cover (its step-1 or
    /// awareness occurrences); with the conversion window (at most 90 days) it bounds a scan.
    /// </summary>
    [Range(1, 400)]
    public int MaxFunnelRangeDays { get; set; } = 92;

    /// <summary>
    /// How many complete UTC days the daily journey-report timer writes, ending yesterday. Each
    /// run rewrites the earlier days too, so late events and conversions that completed after the
    /// first run are included (reports are replaced, never duplicated).
    /// </summary>
    [Range(1, 31)]
    public int JourneyReportDays { get; set; } = 2;

    /// <summary>Blob container (a folder, embedded) of the raw-event archive.</summary>
    [Required]
    public string ArchiveContainer { get; set; } = "events-archive";
}
