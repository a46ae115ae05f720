namespace Cx.Core.Experiments;

/// <summary>A unit's (deduplicated) exposure: its interned subject id, its subject key (<c>c:id</c> or <c>a:id</c>) and the time.</summary>
public readonly record struct ExposureRow(int SubjectId, string Subject, long TimestampMs);

/// <summary>
/// One event of a metric's type: the interned subject, the time, and per requested property its
/// numeric value (null when absent or not a number), in the order the properties were asked for.
/// </summary>
public delegate void MetricEventHandler(int subjectId, long timestampMs, ReadOnlySpan<double?> values);

/// <summary>
/// What the significance run reads from the analytics store: the stored exposure events of an
/// experiment (one per unit: the event id names the experiment) and the events of a type in a time
/// range, with the numeric properties the metrics over that type read, in one scan for all of them.
/// </summary>
public interface IExperimentEventReader
{
    ValueTask ScanExposuresAsync(string experimentKey, Action<ExposureRow> onExposure, CancellationToken cancellationToken);

    /// <summary>Every event of <paramref name="eventType"/> in [from, to], once, with the numeric <paramref name="properties"/> read from it.</summary>
    ValueTask ScanEventsAsync(
        string eventType,
        IReadOnlyList<string> properties,
        long fromMs,
        long toMs,
        MetricEventHandler onEvent,
        CancellationToken cancellationToken
    );
}
