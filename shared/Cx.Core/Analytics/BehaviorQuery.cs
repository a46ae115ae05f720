namespace Cx.Core.Analytics;

/// <summary>What a behaviour query computes over a customer's events in a window.</summary>
public enum BehaviorAggregate
{
    /// <summary>How many events.</summary>
    Count,

    /// <summary>The sum of a numeric property (0 when there are no events).</summary>
    Sum,

    Min,

    Max,

    /// <summary>The mean of a numeric property over the events that have it.</summary>
    Avg,

    /// <summary>The distinct values of a property: <see cref="BehaviorResult.Values"/>, and their number.</summary>
    Distinct,

    /// <summary>When the first event in the window happened (and its property value, when a property is named).</summary>
    First,

    /// <summary>When the last event in the window happened (and its property value, when a property is named).</summary>
    Last,
}

/// <summary>
/// A behaviour query over one event type (or <see cref="AnyEventType"/>). The window is <c>(asOf - Window, asOf]</c>: an event exactly at
/// <c>asOf - Window</c> is OUT, one exactly at <c>asOf</c> is IN (so consecutive windows never
/// count an event twice). No window means every retained event up to <c>asOf</c>.
/// </summary>
public sealed record BehaviorQuery(string EventType, BehaviorAggregate Aggregate, string? Property = null, TimeSpan? Window = null)
{
    /// <summary>The event type that matches every type: <c>count</c>/<c>first</c>/<c>last</c> of it are "active", "first seen", "last seen".</summary>
    public const string AnyEventType = "*";

    public bool Contains(long timestampMs, DateTimeOffset asOf)
    {
        var end = asOf.ToUnixTimeMilliseconds();
        return timestampMs <= end && (Window is not { } window || timestampMs > end - (long)window.TotalMilliseconds);
    }

    /// <summary>The exclusive lower bound in Unix milliseconds (long.MinValue without a window).</summary>
    public long StartExclusiveMs(DateTimeOffset asOf) =>
        Window is { } window ? asOf.ToUnixTimeMilliseconds() - (long)window.TotalMilliseconds : long.MinValue;

    public bool NeedsProperty =>
        Aggregate
            is BehaviorAggregate.Sum
                or BehaviorAggregate.Min
                or BehaviorAggregate.Max
                or BehaviorAggregate.Avg
                or BehaviorAggregate.Distinct;
}

/// <summary>
/// The value of a behaviour query: <see cref="Count"/> events matched; <see cref="Number"/> is the
/// sum/min/max/avg (or the number of distinct values); <see cref="At"/> is the time of the
/// first/last event; <see cref="Values"/> the distinct values (ordinal order), or the value of
/// the first/last event's property.
/// </summary>
public sealed record BehaviorResult(
    BehaviorAggregate Aggregate,
    long Count,
    decimal? Number,
    DateTimeOffset? At,
    IReadOnlyList<string> Values
);
