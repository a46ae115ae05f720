using Cx.Core.Documents;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Segments;

/// <summary>What a sweep did.</summary>
public sealed record SweepResult(int Segments, long Customers, long Entered, long Exited);

/// <summary>
/// The scheduled sweep (the <c>SweepSegments</c> timer function): re-evaluates every active
/// segment that depends on time or behaviour, for every customer, in one pass. It moves members
/// out when a window slides past their events (a purchase leaving the 90-day window) and in when
/// a relative date comes into range, and it reconciles what the at-most-once behaviour path
/// missed (a crash between an event batch and its evaluation). Segments over profile fields alone
/// need no sweep: the change feed delivers every profile change at least once.
/// </summary>
public sealed partial class SegmentSweeper(SegmentCatalog catalog, SegmentEvaluator evaluator, ILogger<SegmentSweeper> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var activity = SegmentMetrics.Activity.StartActivity("segment-sweep");
            var set = await catalog.GetAsync(cancellationToken);
            var segments = set.Active.Where(s => s.TimeDependent || s.ReadsBehavior).ToList();
            if (segments.Count == 0)
            {
                return new SweepResult(0, 0, 0, 0);
            }
            var keys = segments.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            long customers = 0,
                entered = 0,
                exited = 0;
            await evaluator.ScanAsync(
                RuleBatch.Of(set, segments),
                null,
                async page =>
                {
                    var changes = new List<(StoredDocument, System.Text.Json.JsonElement, IReadOnlyList<MembershipDecision>)>();
                    for (var i = 0; i < page.Profiles.Count; i++)
                    {
                        var current = SegmentProfiles.ReadMembership(page.Bodies[i]);
                        var decisions = new List<MembershipDecision>();
                        for (var r = 0; r < segments.Count; r++)
                        {
                            if (page.Results[i][r] != current.ContainsKey(segments[r].Key))
                            {
                                decisions.Add(new(segments[r].Key, segments[r].Definition.Name, segments[r].Version, page.Results[i][r]));
                            }
                        }
                        if (decisions.Count > 0)
                        {
                            changes.Add((page.Profiles[i], page.Bodies[i], decisions));
                        }
                    }
                    var transitions = await evaluator.ApplyScannedAsync(changes, set, s => keys.Contains(s.Key), cancellationToken);
                    entered += transitions.Count(t => t.Entered);
                    exited += transitions.Count(t => !t.Entered);
                    customers += page.Profiles.Count;
                    return true;
                },
                cancellationToken
            );
            LogSwept(logger, segments.Count, customers, entered, exited);
            return new SweepResult(segments.Count, customers, entered, exited);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(
        EventId = 2150,
        Level = LogLevel.Information,
        Message = "Segment sweep: {Segments} segments over {Customers} customers, {Entered} entered, {Exited} left"
    )]
    private static partial void LogSwept(ILogger logger, int segments, long customers, long entered, long exited);
}
