using Cx.Core.Events;

namespace Cx.Core.Analytics;

/// <summary>A page of a customer's timeline, newest first.</summary>
public sealed record TimelinePage(IReadOnlyList<TrackedEvent> Items, TimelinePosition? Next);

/// <summary>Keyset position in a timeline: strictly older than (timestamp, key).</summary>
public sealed record TimelinePosition(long TimestampMs, string Key);

/// <summary>Reads a customer's events (including merged anonymous history), newest first.</summary>
public interface ITimelineReader
{
    ValueTask<TimelinePage> ReadTimelineAsync(
        string customerId,
        string? eventType,
        int limit,
        TimelinePosition? after,
        CancellationToken cancellationToken
    );
}
