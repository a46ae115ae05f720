namespace Cx.Core.Analytics;

/// <summary>
/// Behavioural aggregates for segment rules (issue 4): exact values over the customer's own
/// events and those of the anonymous ids merged into them (see <see cref="BehaviorQuery"/> for
/// the window rule).
/// </summary>
public interface IBehaviorStore
{
    ValueTask<BehaviorResult> AggregateAsync(
        string customerId,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    );

    /// <summary>The same query for many customers at once (segment recompute); every id gets a result.</summary>
    ValueTask<IReadOnlyDictionary<string, BehaviorResult>> AggregateManyAsync(
        IReadOnlyCollection<string> customerIds,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    );
}
