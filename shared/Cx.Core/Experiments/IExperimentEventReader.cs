namespace Cx.Core.Experiments;

/// <summary>A unit's (deduplicated) exposure: its interned subject id, its subject key (<c>c:id</c> or <c>a:id</c>) and the time.</summary>
public readonly record struct ExposureRow(int SubjectId, string Subject, long TimestampMs);

/// <summary>
/// An identity link (identify: an anonymous id joined a customer) that touches an experiment's exposed
/// units: the interned anonymous and customer subjects, and the customer's subject key (<c>c:id</c>).
/// </summary>
public readonly record struct UnitLink(int AnonymousSubjectId, int CustomerSubjectId, string CustomerSubject);

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

    /// <summary>
    /// The identity links whose anonymous or customer subject has an exposure to the experiment, so the
    /// run can count a merged history once, for the unit (links are resolved when read, as every aggregate does).
    /// </summary>
    ValueTask ScanLinksAsync(string experimentKey, Action<UnitLink> onLink, CancellationToken cancellationToken);

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
