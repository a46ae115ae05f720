using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Segments;

/// <summary>
/// The segmentation hook on the change feed of customer profiles. For a batch of changes:
/// <list type="number">
/// <item>it projects their membership, in feed order, onto the membership documents and the event
/// stream (<see cref="MembershipProjector"/>: one append for the batch's events; nothing for a
/// change that did not touch membership);</item>
/// <item>it re-evaluates each customer (once per batch, a few at a time) when something a client
/// owns changed. A change that only
/// touched what segmentation writes itself (membership, its interactions, <c>updatedAt</c>) is
/// recognised by comparing the before and after state and is not evaluated: the hook never
/// re-triggers itself. Where the store gives no before state (Cosmos DB) the customer is
/// evaluated; rules never read what segmentation writes, so that evaluation finds nothing to
/// change and writes nothing.</item>
/// </list>
/// Idempotent: a redelivered change projects nothing new (the documents already match; its events
/// carry the same ids and are dropped as duplicates) and an evaluation of an unchanged customer
/// writes nothing.
/// </summary>
public sealed partial class SegmentHook(
    SegmentCatalog catalog,
    SegmentEvaluator evaluator,
    MembershipProjector projector,
    ILogger<SegmentHook> logger
) : IChangeHook
{
    public const string HookName = "segments";

    public string Name => HookName;

    public bool Wants(ChangeRecord change) => change.Container == Containers.Customers && change.Type == CustomerProfile.TypeKey;

    public async Task<HookOutcome> HandleChangesAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        using var activity = SegmentMetrics.Activity.StartActivity("segments-hook");
        var set = await catalog.GetAsync(cancellationToken);
        var outcome = new HookOutcome();
        // Customer id -> evaluate every active segment (true) or those that read profile fields (false).
        var evaluate = new Dictionary<string, bool>(StringComparer.Ordinal);
        outcome.Projected = await projector.ProjectAsync(changes, set.All.Keys, cancellationToken);
        foreach (var change in changes)
        {
            if (change.Kind == ChangeKind.Delete || change.After is null)
            {
                evaluate.Remove(change.Id);
                continue;
            }
            if (change.Before is { } before)
            {
                if (SegmentProfiles.IsSystemOnlyChange(before.Span, change.After.Value.Span))
                {
                    outcome.SkippedSystemChanges++;
                    SegmentMetrics.SystemChangesSkipped.Add(1);
                    continue;
                }
                evaluate[change.Id] = evaluate.GetValueOrDefault(change.Id);
            }
            else
            {
                // Created, or the store keeps no before state: anything may have changed.
                evaluate[change.Id] = true;
            }
        }
        if (set.Active.Count == 0)
        {
            return outcome;
        }
        // Customers are independent (evaluations of one customer are serialized by the evaluator).
        await Parallel.ForEachAsync(
            evaluate,
            new ParallelOptions { MaxDegreeOfParallelism = SegmentEvaluator.Parallelism, CancellationToken = cancellationToken },
            async (entry, token) =>
            {
                var change = await evaluator.EvaluateCustomerAsync(
                    entry.Key,
                    set,
                    entry.Value ? static _ => true : static s => s.ReadsFields,
                    "profile",
                    token
                );
                if (change is not null)
                {
                    LogChanged(logger, entry.Key, change.Transitions.Count);
                }
            }
        );
        outcome.Evaluated = evaluate.Count;
        return outcome;
    }

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken) =>
        await HandleChangesAsync(changes, cancellationToken);

    [LoggerMessage(
        EventId = 2120,
        Level = LogLevel.Debug,
        Message = "Customer {CustomerId}: {Count} membership transitions after a profile change"
    )]
    private static partial void LogChanged(ILogger logger, string customerId, int count);
}

/// <summary>What one delivery to the hook did (for tests and logs).</summary>
public sealed class HookOutcome
{
    public int Projected { get; set; }

    public int Evaluated { get; set; }

    public int SkippedSystemChanges { get; set; }
}
