namespace Cx.Core.Events;

/// <summary>
/// The event stream port (Event Hubs; the embedded append log). Appending is the capture
/// path: it never touches the document store.
/// </summary>
public interface IEventStream
{
    /// <summary>
    /// Appends events. The returned task completes only when they are durable in the stream
    /// (committed to the embedded log; acknowledged by Event Hubs), so a 202 never loses one.
    /// Events of one subject keep their order (they share a partition).
    /// </summary>
    ValueTask AppendAsync(IReadOnlyList<TrackedEvent> events, CancellationToken cancellationToken);

    /// <summary>Where the stream stands: how much has been appended and processed (for status and tests).</summary>
    ValueTask<StreamStatus> GetStatusAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Appended and processed counts of the stream. <see cref="Lag"/> is how many appended
/// records the batch processor has not committed yet (-1 when the adapter cannot tell).
/// </summary>
public sealed record StreamStatus(string Provider, long Appended, long Processed, long Lag);
