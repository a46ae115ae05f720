using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Events;

/// <summary>Limits and rules of event capture, bound from <c>Cx:Events</c>.</summary>
public sealed class EventOptions
{
    public const string Section = "Cx:Events";

    /// <summary>Largest event (its JSON), in bytes. A larger single event is a 413; in a batch, that index is rejected.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 32 * 1024;

    /// <summary>Largest request body of <c>POST /api/v1/events</c>, in bytes (413 beyond it).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 500 * 1024;

    /// <summary>Most events in one batch request (400 beyond it).</summary>
    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 500;

    /// <summary>
    /// A client timestamp later than server time plus this skew is clamped to server time
    /// (clocks of browsers and phones run ahead); the event keeps its original in <c>sentTimestamp</c>.
    /// </summary>
    [Range(0, 86_400)]
    public int MaxFutureSkewSeconds { get; set; } = 300;

    /// <summary>Events whose timestamp is older than this are rejected (<c>too-old</c>); keep it below the fact retention.</summary>
    [Range(1, 3650)]
    public int MaxEventAgeDays { get; set; } = 365;

    /// <summary>What happens to event types the registry does not know: <c>Custom</c> (accept) or <c>Reject</c>.</summary>
    public UnknownEventTypePolicy UnknownTypes { get; set; } = UnknownEventTypePolicy.Custom;

    /// <summary>How many anonymous ids one customer may absorb through identify.</summary>
    [Range(1, 10_000)]
    public int MaxAliasesPerCustomer { get; set; } = 100;
}
