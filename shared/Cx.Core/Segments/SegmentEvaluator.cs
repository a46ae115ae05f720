using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Segments;

/// <summary>Rules to evaluate over many customers: a slot table, compiled rules on it, and the behaviour slots they read.</summary>
public sealed record RuleBatch(RuleSlots Slots, IReadOnlyList<CompiledRule> Rules, IReadOnlyList<int> BehaviorSlots, bool ReadsInteractions)
{
    /// <summary>The given segments of a compiled set.</summary>
    public static RuleBatch Of(SegmentSet set, IReadOnlyList<CompiledSegment> segments) =>
        new(
            set.Slots,
            [.. segments.Select(s => s.Rule)],
            [.. segments.SelectMany(s => s.BehaviorSlots).Distinct().Order()],
            set.ReadsInteractions
        );

    /// <summary>One rule compiled on its own slot table.</summary>
    public static RuleBatch Of(CompiledRule rule, RuleSlots slots) =>
        new(
            slots,
            [rule],
            [.. Enumerable.Range(0, slots.Behaviors.Count)],
            slots.Fields.Any(f => f.Path.Segments[0] == SegmentProfiles.InteractionsField)
        );
}

/// <summary>One page of a scan: the profiles, their parsed bodies, and each rule's result per profile ([profile][rule]).</summary>
public sealed class ScannedPage(
    IReadOnlyList<StoredDocument> profiles,
    IReadOnlyList<JsonElement> bodies,
    bool[][] results,
    DateTimeOffset asOf
)
{
    public IReadOnlyList<StoredDocument> Profiles => profiles;

    public IReadOnlyList<JsonElement> Bodies => bodies;

    public bool[][] Results => results;

    public DateTimeOffset AsOf => asOf;
}

/// <summary>
/// Evaluates segment rules against customers. One customer at a time (hook, behaviour changes),
/// reading the profile and its aggregates fresh and writing through <see cref="MembershipWriter"/>
/// under a per-customer lock, retried when the profile changed under the write; or every
/// customer page by page (recomputes, the sweep, previews, dry runs), with one bulk behaviour
/// query per aggregate and page.
/// </summary>
public sealed partial class SegmentEvaluator(
    IDocumentStore store,
    IBehaviorStore behaviors,
    MembershipWriter writer,
    TimeProvider time,
    IOptions<SegmentOptions> options,
    ILogger<SegmentEvaluator> logger
) : IDisposable
{
    private const int Stripes = 64;

    /// <summary>
    /// Customers evaluated or written at once by the hook, the behaviour worker and bulk runs: reads,
    /// aggregates and validation overlap, while writes queue at the store (SQLite has one writer,
    /// so more than a few would only wait there).
    /// </summary>
    public const int Parallelism = 4;
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>
    /// Evaluates the segments of <paramref name="set"/> selected by <paramref name="scope"/> for one
    /// customer and writes the difference. Customers without a profile are not segmented.
    /// </summary>
    public async Task<MembershipChange?> EvaluateCustomerAsync(
        string customerId,
        SegmentSet set,
        Func<CompiledSegment, bool> scope,
        string trigger,
        CancellationToken cancellationToken
    )
    {
        var segments = set.Active.Where(scope).ToList();
        if (segments.Count == 0 || !Ids.IsValidClientId(customerId))
        {
            return null;
        }
        var gate = Lock(customerId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var profile = await store.ReadAsync(Containers.Customers, new DocumentKey(customerId, customerId), cancellationToken);
                if (profile is null || profile.Type != CustomerProfile.TypeKey)
                {
                    return null;
                }
                SegmentMetrics.Evaluations.Add(1, new KeyValuePair<string, object?>("trigger", trigger));
                using var body = JsonDocument.Parse(profile.Json);
                var asOf = time.GetUtcNow();
                var facts = SegmentProfiles.LoadFacts(set.Slots, body.RootElement, customerId, set.ReadsInteractions);
                await FillAsync(set.Slots, facts, segments.SelectMany(s => s.BehaviorSlots).Distinct(), asOf, cancellationToken);
                var now = asOf.ToUnixTimeMilliseconds();
                var decisions = segments
                    .Select(s => new MembershipDecision(s.Key, s.Definition.Name, s.Version, s.Rule(facts, now)))
                    .ToList();
                try
                {
                    return await writer.ApplyAsync(profile, body.RootElement, decisions, cancellationToken);
                }
                catch (ETagMismatchException) when (attempt < options.Value.WriteAttempts)
                {
                    LogRetry(logger, customerId, attempt);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Writes decisions made during a scan for one customer, under its lock. When the profile
    /// changed since the page was read, the customer is evaluated again from fresh data instead.
    /// </summary>
    public async Task<MembershipChange?> ApplyScannedAsync(
        StoredDocument profile,
        JsonElement body,
        IReadOnlyList<MembershipDecision> decisions,
        SegmentSet? set,
        Func<CompiledSegment, bool> scope,
        CancellationToken cancellationToken
    )
    {
        var gate = Lock(profile.Id);
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await writer.ApplyAsync(profile, body, decisions, cancellationToken);
        }
        catch (ETagMismatchException)
        {
            // Changed since the page was read: decide again on fresh data (below, outside the lock).
        }
        finally
        {
            gate.Release();
        }
        if (set is null)
        {
            // Removal of an archived segment's members: the decision does not depend on data.
            for (var attempt = 1; ; attempt++)
            {
                var fresh = await store.ReadAsync(Containers.Customers, profile.Key, cancellationToken);
                if (fresh is null)
                {
                    return null;
                }
                using var json = JsonDocument.Parse(fresh.Json);
                await gate.WaitAsync(cancellationToken);
                try
                {
                    return await writer.ApplyAsync(fresh, json.RootElement, decisions, cancellationToken);
                }
                catch (ETagMismatchException) when (attempt < options.Value.WriteAttempts) { }
                finally
                {
                    gate.Release();
                }
            }
        }
        return await EvaluateCustomerAsync(profile.Id, set, scope, "scan-retry", cancellationToken);
    }

    /// <summary>Writes the decisions of a page's changed customers (<see cref="Parallelism"/> at a time); returns the transitions made.</summary>
    public async Task<IReadOnlyList<MembershipTransition>> ApplyScannedAsync(
        IReadOnlyList<(StoredDocument Profile, JsonElement Body, IReadOnlyList<MembershipDecision> Decisions)> changes,
        SegmentSet? set,
        Func<CompiledSegment, bool> scope,
        CancellationToken cancellationToken
    )
    {
        var transitions = new System.Collections.Concurrent.ConcurrentQueue<MembershipTransition>();
        await Parallel.ForEachAsync(
            changes,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (change, token) =>
            {
                var written = await ApplyScannedAsync(change.Profile, change.Body, change.Decisions, set, scope, token);
                foreach (var transition in written?.Transitions ?? [])
                {
                    transitions.Enqueue(transition);
                }
            }
        );
        return [.. transitions];
    }

    /// <summary>
    /// Evaluates <paramref name="batch"/> over every customer profile, in id order, one page at a
    /// time, starting after <paramref name="startAfter"/>. <paramref name="onPage"/> sees each page
    /// (bodies are valid during the call) and returns false to stop.
    /// </summary>
    public async Task ScanAsync(
        RuleBatch batch,
        string? startAfter,
        Func<ScannedPage, Task<bool>> onPage,
        CancellationToken cancellationToken
    )
    {
        var after = startAfter is null ? null : new Keyset([], startAfter);
        var pageSize = options.Value.PageSize;
        while (true)
        {
            var page = await store.QueryAsync(
                Containers.Customers,
                new DocumentQuery
                {
                    Type = CustomerProfile.TypeKey,
                    Limit = pageSize,
                    After = after,
                },
                cancellationToken
            );
            if (page.Items.Count == 0)
            {
                return;
            }
            var asOf = time.GetUtcNow();
            var documents = new JsonDocument[page.Items.Count];
            try
            {
                var facts = new ProfileFacts[page.Items.Count];
                for (var i = 0; i < page.Items.Count; i++)
                {
                    documents[i] = JsonDocument.Parse(page.Items[i].Json);
                    facts[i] = SegmentProfiles.LoadFacts(batch.Slots, documents[i].RootElement, page.Items[i].Id, batch.ReadsInteractions);
                }
                await FillManyAsync(batch.Slots, page.Items, facts, batch.BehaviorSlots, asOf, cancellationToken);
                var now = asOf.ToUnixTimeMilliseconds();
                var results = new bool[page.Items.Count][];
                for (var i = 0; i < facts.Length; i++)
                {
                    results[i] = new bool[batch.Rules.Count];
                    for (var r = 0; r < batch.Rules.Count; r++)
                    {
                        results[i][r] = batch.Rules[r](facts[i], now);
                    }
                }
                var bodies = documents.Select(d => d.RootElement).ToList();
                if (!await onPage(new ScannedPage(page.Items, bodies, results, asOf)))
                {
                    return;
                }
            }
            finally
            {
                foreach (var document in documents)
                {
                    document?.Dispose();
                }
            }
            if (page.Next is null)
            {
                return;
            }
            after = new Keyset([], page.Items[^1].Id);
        }
    }

    /// <summary>Fetches the behaviour aggregates of one customer into its facts.</summary>
    public async Task FillAsync(
        RuleSlots slots,
        ProfileFacts facts,
        IEnumerable<int> behaviorSlots,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    )
    {
        foreach (var slot in behaviorSlots)
        {
            var result = await behaviors.AggregateAsync(
                facts.CustomerId,
                SegmentCatalog.ToQuery(slots.Behaviors[slot]),
                asOf,
                cancellationToken
            );
            facts.Behaviors[slot] = SegmentCatalog.ToFact(result);
        }
    }

    private async Task FillManyAsync(
        RuleSlots slots,
        IReadOnlyList<StoredDocument> profiles,
        ProfileFacts[] facts,
        IReadOnlyList<int> behaviorSlots,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    )
    {
        if (behaviorSlots.Count == 0)
        {
            return;
        }
        var ids = profiles.Select(p => p.Id).ToList();
        foreach (var slot in behaviorSlots)
        {
            var results = await behaviors.AggregateManyAsync(ids, SegmentCatalog.ToQuery(slots.Behaviors[slot]), asOf, cancellationToken);
            for (var i = 0; i < facts.Length; i++)
            {
                facts[i].Behaviors[slot] = results.TryGetValue(ids[i], out var result) ? SegmentCatalog.ToFact(result) : double.NaN;
            }
        }
    }

    private SemaphoreSlim Lock(string customerId) => _locks[(uint)StringComparer.Ordinal.GetHashCode(customerId) % Stripes];

    public void Dispose()
    {
        foreach (var gate in _locks)
        {
            gate.Dispose();
        }
    }

    [LoggerMessage(
        EventId = 2110,
        Level = LogLevel.Debug,
        Message = "Customer {CustomerId} changed during its evaluation (attempt {Attempt}); evaluating again"
    )]
    private static partial void LogRetry(ILogger logger, string customerId, int attempt);
}
