using System.Text.Json;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Options;

namespace Cx.Core.Segments;

/// <summary>How many customers unsaved criteria match, and some of them.</summary>
public sealed record SegmentPreview(long Count, long Evaluated, IReadOnlyList<string> Sample, DateTimeOffset AsOf);

/// <summary>What saving new criteria would do to a segment's membership.</summary>
public sealed record SegmentDryRun(long WouldAdd, long WouldRemove, long Total, long Current, long Evaluated, DateTimeOffset AsOf);

/// <summary>Why a customer is or is not in a segment: membership as stored, the rule's result now, and each condition.</summary>
public sealed record SegmentExplanation(
    string CustomerId,
    string Segment,
    int RuleVersion,
    SegmentStatus Status,
    MembershipEntry? Membership,
    bool Matches,
    DateTimeOffset AsOf,
    Explanation Explanation
);

/// <summary>
/// The segments capability as the API offers it: segment documents (validated, versioned,
/// audited), previews and dry runs of unsaved criteria, explanations, member lists, version
/// history and recompute jobs. Saving a rule or status change queues the recompute it needs.
/// </summary>
public sealed class SegmentService(
    SegmentRegistry registry,
    SegmentEvaluator evaluator,
    SegmentJobs jobs,
    ContentTypeRegistry content,
    IDocumentStore store,
    AuditLog audit,
    TimeProvider time,
    IOptions<SegmentOptions> options
)
{
    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => registry.ListAsync(limit, after, cancellationToken);

    /// <summary>The stored document, read from the store (so a read right after a save on another instance sees it).</summary>
    public async Task<DefinitionRecord<SegmentDefinition>> GetAsync(string key, CancellationToken cancellationToken) =>
        await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Segment", key);

    public async Task<DefinitionRecord<SegmentDefinition>> CreateAsync(SegmentDefinition segment, CancellationToken cancellationToken)
    {
        var schema = await CustomerSchemaAsync(cancellationToken);
        SegmentRules.Validate(segment, schema);
        if (segment.Status != SegmentStatus.Archived)
        {
            await CheckLimitAsync(except: null, cancellationToken);
        }
        var saved = await registry.SaveAsync(segment, create: true, null, _ => true, CurrentActor.Get().Describe(), cancellationToken);
        await AuditAsync(saved, cancellationToken);
        if (saved.Record.Definition.Status == SegmentStatus.Active)
        {
            await jobs.EnqueueAsync(segment.Key, saved.Record.Definition.Version, "created", cancellationToken);
        }
        return saved.Record;
    }

    public async Task<DefinitionRecord<SegmentDefinition>> ReplaceAsync(
        string key,
        SegmentDefinition segment,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        if (segment.Key != key)
        {
            throw new ValidationException(DefinitionDocuments.KeyMismatch(key));
        }
        var schema = await CustomerSchemaAsync(cancellationToken);
        var condition = SegmentRules.Validate(segment, schema);
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Segment", key);
        if (segment.Status != SegmentStatus.Archived && current.Definition.Status == SegmentStatus.Archived)
        {
            await CheckLimitAsync(except: key, cancellationToken);
        }
        var saved = await registry.SaveAsync(
            segment,
            create: false,
            ifMatch,
            stored => !SameRule(stored, condition, schema),
            CurrentActor.Get().Describe(),
            cancellationToken
        );
        if (saved.Outcome == SegmentSaveOutcome.Unchanged)
        {
            return saved.Record;
        }
        await AuditAsync(saved, cancellationToken);
        var now = saved.Record.Definition;
        var reason = (saved.PreviousStatus, now.Status, saved.Outcome) switch
        {
            (_, SegmentStatus.Archived, _) when saved.PreviousStatus != SegmentStatus.Archived => "archived",
            (SegmentStatus.Paused, SegmentStatus.Active, _) => "resumed",
            (SegmentStatus.Archived, SegmentStatus.Active, _) => "restored",
            (_, SegmentStatus.Active, SegmentSaveOutcome.CriteriaChanged) => "criteria-changed",
            _ => null,
        };
        if (reason is not null)
        {
            await jobs.EnqueueAsync(key, now.Version, reason, cancellationToken);
        }
        return saved.Record;
    }

    /// <summary>Deletes an archived segment whose members are all gone (with its history and job).</summary>
    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Segment", key);
        if (current.Definition.Status != SegmentStatus.Archived)
        {
            throw new ConflictException(
                "in-use",
                $"Archive '{key}' first (status archived); its members are removed, then it can be deleted."
            );
        }
        var job = await jobs.GetAsync(key, cancellationToken);
        var members = await store.QueryAsync(Containers.Memberships, MembersQuery(key, 1, null), cancellationToken);
        if (job?.Definition.State is SegmentJobState.Queued or SegmentJobState.Running || members.Items.Count > 0)
        {
            throw new ConflictException("in-use", $"'{key}' still has members being removed; try again when its recompute has completed.");
        }
        if (ifMatch is not null && ifMatch != "*" && ifMatch != current.Document.ETag)
        {
            throw new ETagMismatchException(current.Document.Key);
        }
        await registry.DeleteAsync(current, ifMatch, cancellationToken);
        await jobs.DeleteAsync(key, cancellationToken);
        await audit.RecordAsync(AuditActions.SegmentDeleted, SegmentDocuments.Segment, key, cancellationToken: cancellationToken);
    }

    public async Task<DocumentPage> ListVersionsAsync(string key, int limit, Keyset? after, CancellationToken cancellationToken)
    {
        await GetAsync(key, cancellationToken);
        return await registry.ListVersionsAsync(key, limit, after, cancellationToken);
    }

    /// <summary>The members of a segment in customer-id order: an indexed query on the segment's partition.</summary>
    public async Task<DocumentPage> ListMembersAsync(string key, int limit, Keyset? after, CancellationToken cancellationToken)
    {
        await GetAsync(key, cancellationToken);
        return await store.QueryAsync(Containers.Memberships, MembersQuery(key, limit, after), cancellationToken);
    }

    /// <summary>A page of a segment's members: one partition of the memberships container, in customer-id order.</summary>
    public static DocumentQuery MembersQuery(string key, int limit, Keyset? after) =>
        new()
        {
            Type = SegmentDocuments.Member,
            PartitionKey = key,
            Limit = limit,
            After = after,
        };

    public async Task<DefinitionRecord<SegmentJob>> GetJobAsync(string key, CancellationToken cancellationToken)
    {
        await GetAsync(key, cancellationToken);
        return await jobs.GetAsync(key, cancellationToken) ?? throw new NotFoundException("Recompute of segment", key);
    }

    /// <summary>Queues a recompute of an active or archived segment at its current rule version.</summary>
    public async Task<DefinitionRecord<SegmentJob>> StartRecomputeAsync(string key, CancellationToken cancellationToken)
    {
        var segment = await GetAsync(key, cancellationToken);
        if (segment.Definition.Status == SegmentStatus.Paused)
        {
            throw new ConflictException("paused", $"'{key}' is paused: its membership is frozen until it is active again.");
        }
        var job = await jobs.EnqueueAsync(key, segment.Definition.Version, "requested", cancellationToken);
        await audit.RecordAsync(
            AuditActions.SegmentRecomputeRequested,
            SegmentDocuments.Segment,
            key,
            details: new { ruleVersion = segment.Definition.Version },
            cancellationToken: cancellationToken
        );
        return job;
    }

    /// <summary>Counts the customers unsaved criteria match now, with a sample of their ids (the first in id order).</summary>
    public async Task<SegmentPreview> PreviewAsync(JsonElement criteria, int? sampleSize, CancellationToken cancellationToken)
    {
        var size = sampleSize ?? options.Value.PreviewSampleSize;
        if (size < 0 || size > options.Value.PreviewSampleSize)
        {
            throw new ValidationException(
                new FieldError("/sample", "range", $"sample is between 0 and {options.Value.PreviewSampleSize}.")
            );
        }
        var schema = await CustomerSchemaAsync(cancellationToken);
        var condition = SegmentRules.ParseCriteria(criteria, schema, "/criteria");
        var (rule, slots) = SegmentCatalog.CompileAlone(condition, schema);
        long count = 0,
            evaluated = 0;
        var sample = new List<string>();
        var asOf = time.GetUtcNow();
        await evaluator.ScanAsync(
            RuleBatch.Of(rule, slots),
            null,
            page =>
            {
                asOf = page.AsOf;
                for (var i = 0; i < page.Profiles.Count; i++)
                {
                    if (page.Results[i][0])
                    {
                        count++;
                        if (sample.Count < size)
                        {
                            sample.Add(page.Profiles[i].Id);
                        }
                    }
                }
                evaluated += page.Profiles.Count;
                return Task.FromResult(true);
            },
            cancellationToken
        );
        return new SegmentPreview(count, evaluated, sample, asOf);
    }

    /// <summary>How many customers new criteria would add to and remove from a segment, compared with its membership now.</summary>
    public async Task<SegmentDryRun> DryRunAsync(string key, JsonElement criteria, CancellationToken cancellationToken)
    {
        await GetAsync(key, cancellationToken);
        var schema = await CustomerSchemaAsync(cancellationToken);
        var condition = SegmentRules.ParseCriteria(criteria, schema, "/criteria");
        var (rule, slots) = SegmentCatalog.CompileAlone(condition, schema);
        long add = 0,
            remove = 0,
            total = 0,
            current = 0,
            evaluated = 0;
        var asOf = time.GetUtcNow();
        await evaluator.ScanAsync(
            RuleBatch.Of(rule, slots),
            null,
            page =>
            {
                asOf = page.AsOf;
                for (var i = 0; i < page.Profiles.Count; i++)
                {
                    var member = SegmentProfiles.ReadMembership(page.Bodies[i]).ContainsKey(key);
                    var matches = page.Results[i][0];
                    total += matches ? 1 : 0;
                    current += member ? 1 : 0;
                    add += matches && !member ? 1 : 0;
                    remove += member && !matches ? 1 : 0;
                }
                evaluated += page.Profiles.Count;
                return Task.FromResult(true);
            },
            cancellationToken
        );
        return new SegmentDryRun(add, remove, total, current, evaluated, asOf);
    }

    /// <summary>Explains, condition by condition and with the values seen, whether the customer matches the segment's rule now.</summary>
    public async Task<SegmentExplanation> ExplainAsync(string customerId, string key, CancellationToken cancellationToken)
    {
        var segment = (await GetAsync(key, cancellationToken)).Definition;
        var schema = await CustomerSchemaAsync(cancellationToken);
        var profile = Ids.IsValidClientId(customerId)
            ? await store.ReadAsync(Containers.Customers, new DocumentKey(customerId, customerId), cancellationToken)
            : null;
        if (profile is null || profile.Type != CustomerProfile.TypeKey)
        {
            throw new NotFoundException("Customer", customerId);
        }
        Condition condition;
        try
        {
            condition = SegmentRules.ParseCriteria(segment.Criteria!.Parse(), schema, "/criteria");
        }
        catch (ValidationException ex)
        {
            throw new ConflictException(
                "rule-broken",
                $"The rule of '{key}' no longer fits the customer schema; fix the segment first.",
                ex.Errors
            );
        }
        var (rule, slots) = SegmentCatalog.CompileAlone(condition, schema);
        using var body = JsonDocument.Parse(profile.Json);
        var batch = RuleBatch.Of(rule, slots);
        var facts = SegmentProfiles.LoadFacts(slots, body.RootElement, customerId, batch.ReadsInteractions);
        var asOf = time.GetUtcNow();
        await evaluator.FillAsync(slots, facts, batch.BehaviorSlots, asOf, cancellationToken);
        var now = asOf.ToUnixTimeMilliseconds();
        var explanation = RuleExplainer.Explain(condition, slots, facts, now);
        return new SegmentExplanation(
            customerId,
            key,
            segment.Version,
            segment.Status,
            SegmentProfiles.ReadMembership(body.RootElement).GetValueOrDefault(key),
            rule(facts, now),
            asOf,
            explanation
        );
    }

    private async ValueTask<ContentSchema> CustomerSchemaAsync(CancellationToken cancellationToken) =>
        await content.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);

    private static bool SameRule(SegmentDefinition stored, Condition candidate, ContentSchema schema)
    {
        if (stored.Criteria is null)
        {
            return false;
        }
        try
        {
            return SegmentRules.ParseCriteria(stored.Criteria.Parse(), schema, "/criteria").Equals(candidate);
        }
        catch (ValidationException)
        {
            return false; // The stored rule no longer fits the schema: the new one is a change.
        }
    }

    private async Task CheckLimitAsync(string? except, CancellationToken cancellationToken)
    {
        var snapshot = await registry.GetAllAsync(cancellationToken);
        var inUse = snapshot.Segments.Values.Count(s => s.Definition.Status != SegmentStatus.Archived && s.Definition.Key != except);
        if (inUse >= options.Value.MaxSegments)
        {
            throw new ConflictException(
                "limit",
                $"At most {options.Value.MaxSegments} segments can be active or paused; archive one first."
            );
        }
    }

    private async Task AuditAsync(SegmentSaveResult saved, CancellationToken cancellationToken) =>
        await audit.RecordAsync(
            AuditActions.SegmentSaved,
            SegmentDocuments.Segment,
            saved.Record.Definition.Key,
            details: new
            {
                outcome = saved.Outcome switch
                {
                    SegmentSaveOutcome.Created => "created",
                    SegmentSaveOutcome.CriteriaChanged => "criteria-changed",
                    _ => "changed",
                },
                ruleVersion = saved.Record.Definition.Version,
                status = saved.Record.Definition.Status.ToString().ToLowerInvariant(),
            },
            cancellationToken: cancellationToken
        );
}
