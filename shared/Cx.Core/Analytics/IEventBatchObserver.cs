namespace Cx.Core.Analytics;

/// <summary>What a committed batch (or an identify) touched, for re-evaluating only the affected customers.</summary>
public sealed record EventBatchSummary(
    IReadOnlyCollection<string> CustomerIds,
    IReadOnlyCollection<string> AnonymousIds,
    IReadOnlyCollection<string> EventTypes,
    DateTimeOffset CommittedAt
);

/// <summary>
/// Called by the processor after each committed batch, and by identify after a merge.
/// At-most-once per commit (a crash between commit and the call skips it): an observer that
/// must not miss a change also reconciles periodically. Exceptions are logged, never retried.
/// </summary>
public interface IEventBatchObserver
{
    ValueTask OnBatchCommittedAsync(EventBatchSummary summary, CancellationToken cancellationToken);
}
