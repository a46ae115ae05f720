namespace Cx.Core.Experiments;

/// <summary>A unit's (deduplicated) exposure: its interned subject id, its subject key (<c>c:id</c> or <c>a:id</c>) and the time.</summary>
public readonly record struct ExposureRow(int SubjectId, string Subject, long TimestampMs);

/// <summary>One event of a metric: the interned subject, the time and the numeric property (null when absent or not a number).</summary>
public readonly record struct MetricEventRow(int SubjectId, long TimestampMs, double? Value);

/// <summary>
/// What the significance run reads from the analytics store: the stored exposure events of an
/// experiment (one per unit: the event id names the experiment) and the events of a metric's type
/// in a time range, with a numeric property read from each.
/// </summary>
public interface IExperimentEventReader
{
    ValueTask ScanExposuresAsync(string experimentKey, Action<ExposureRow> onExposure, CancellationToken cancellationToken);

    ValueTask ScanEventsAsync(
        string eventType,
        string? property,
        long fromMs,
        long toMs,
        Action<MetricEventRow> onEvent,
        CancellationToken cancellationToken
    );
}
