using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Segments;

/// <summary>Recompute jobs: queueing, reading, and running them (by the job service and the job timer).</summary>
public sealed partial class SegmentJobs(
    IDocumentStore store,
    SegmentRegistry registry,
    SegmentCatalog catalog,
    SegmentEvaluator evaluator,
    ContentTypeRegistry content,
    TimeProvider time,
    IOptions<SegmentOptions> options,
    ILogger<SegmentJobs> logger
) : IDisposable
{
    private static readonly string Instance = Guid.NewGuid().ToString("n")[..12];
    private readonly SemaphoreSlim _run = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);

    public static DocumentKey KeyOf(string segment) => new(SegmentDocuments.Job, segment);

    /// <summary>Jobs waiting or running (the running ones may have lost their instance), a hundred at a time.</summary>
    public static DocumentQuery PendingQuery { get; } =
        new()
        {
            Type = SegmentDocuments.Job,
            PartitionKey = SegmentDocuments.Job,
            Filter = new Comparison(
                FieldPath.Parse("state"),
                ComparisonOperator.In,
                new EquatableArray<ScalarValue>([ScalarValue.From("queued"), ScalarValue.From("running")])
            ),
            Limit = 100,
        };

    /// <summary>Queues a recompute of <paramref name="segment"/> at <paramref name="ruleVersion"/>, replacing any earlier job.</summary>
    public async Task<DefinitionRecord<SegmentJob>> EnqueueAsync(
        string segment,
        int ruleVersion,
        string reason,
        CancellationToken cancellationToken
    )
    {
        var now = Instants.Format(time.GetUtcNow());
        var job = new SegmentJob
        {
            Segment = segment,
            RuleVersion = ruleVersion,
            Reason = reason,
            QueuedAt = now,
        };
        var stored = await store.UpsertAsync(Containers.Definitions, Write(job, now, now), cancellationToken);
        LogQueued(logger, segment, ruleVersion, reason);
        Wake();
        return new(job, stored);
    }

    public async Task<DefinitionRecord<SegmentJob>?> GetAsync(string segment, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Containers.Definitions, KeyOf(segment), cancellationToken);
        return document is null ? null : new(DefinitionDocuments.FromDocument<SegmentJob>(document), document);
    }

    public async Task DeleteAsync(string segment, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(Containers.Definitions, KeyOf(segment), null, cancellationToken);
        }
        catch (DocumentNotFoundException)
        {
            // No job.
        }
    }

    /// <summary>Wakes the job service (after a job was queued on this instance).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException) { }
        }
    }

    public async Task WaitForWorkAsync(TimeSpan poll, CancellationToken cancellationToken) =>
        await _wake.WaitAsync(poll, cancellationToken);

    /// <summary>Runs every queued job, and running ones whose instance stopped reporting; one run at a time per process.</summary>
    public async Task<int> RunPendingAsync(CancellationToken cancellationToken)
    {
        await _run.WaitAsync(cancellationToken);
        try
        {
            var ran = 0;
            var page = await store.QueryAsync(Containers.Definitions, PendingQuery, cancellationToken);
            foreach (var document in page.Items)
            {
                var job = DefinitionDocuments.FromDocument<SegmentJob>(document);
                if (job.State == SegmentJobState.Running && !IsStale(job))
                {
                    continue;
                }
                if (await ClaimAsync(new(job, document), cancellationToken) is { } claimed)
                {
                    await RunAsync(claimed, cancellationToken);
                    ran++;
                }
            }
            return ran;
        }
        finally
        {
            _run.Release();
        }
    }

    private bool IsStale(SegmentJob job) =>
        job.HeartbeatAt is null
        || !Instants.TryParse(job.HeartbeatAt, out var heartbeat)
        || time.GetUtcNow() - heartbeat > TimeSpan.FromSeconds(options.Value.JobStaleSeconds);

    private async Task<DefinitionRecord<SegmentJob>?> ClaimAsync(DefinitionRecord<SegmentJob> job, CancellationToken cancellationToken)
    {
        var now = Instants.Format(time.GetUtcNow());
        var claimed = job.Definition with
        {
            State = SegmentJobState.Running,
            Owner = Instance,
            HeartbeatAt = now,
            StartedAt = job.Definition.StartedAt ?? now,
        };
        try
        {
            var stored = await store.ReplaceAsync(
                Containers.Definitions,
                Write(claimed, DefinitionDocuments.CreatedAt(job.Document), now),
                job.Document.ETag,
                cancellationToken
            );
            return new(claimed, stored);
        }
        catch (Exception ex) when (ex is ETagMismatchException or DocumentNotFoundException)
        {
            return null; // Another instance claimed it, or it was replaced.
        }
    }

    /// <summary>Runs one claimed job to its end, or until a newer job or a change of the segment supersedes it.</summary>
    private async Task RunAsync(DefinitionRecord<SegmentJob> claimed, CancellationToken cancellationToken)
    {
        var job = claimed.Definition;
        var key = job.Segment;
        using var activity = SegmentMetrics.Activity.StartActivity("segment-recompute");
        activity?.SetTag("cx.segment", key);
        var document = claimed.Document;
        try
        {
            registry.Invalidate();
            var segment = await registry.ReadCurrentAsync(key, cancellationToken);
            if (segment is null || segment.Definition.Version != job.RuleVersion)
            {
                await FinishAsync(job with { State = SegmentJobState.Superseded }, document, cancellationToken);
                return;
            }
            var status = segment.Definition.Status;
            if (status == SegmentStatus.Paused)
            {
                await FinishAsync(job with { State = SegmentJobState.Completed }, document, cancellationToken);
                return;
            }
            RuleBatch batch;
            SegmentSet? set = null;
            CompiledSegment? compiled = null;
            if (status == SegmentStatus.Active)
            {
                set = await catalog.GetAsync(cancellationToken);
                if (!set.ActiveByKey.TryGetValue(key, out compiled) || compiled.Version != job.RuleVersion)
                {
                    // The catalog was built before the save reached this instance's cache, or the rule no
                    // longer fits the schema: leave the job queued for the next run.
                    await FinishAsync(
                        job with
                        {
                            State = SegmentJobState.Queued,
                            Owner = null,
                            HeartbeatAt = null,
                        },
                        document,
                        cancellationToken
                    );
                    return;
                }
                batch = RuleBatch.Of(set, [compiled]);
            }
            else
            {
                // Archived: nobody belongs any more. No data to read.
                var slots = new RuleSlots(await content.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken));
                batch = new RuleBatch(slots, [static (_, _) => false], [], false);
            }
            if (job.Total == 0)
            {
                job = job with { Total = await store.CountAsync(Containers.Customers, CustomerProfile.TypeKey, null, cancellationToken) };
            }
            var superseded = false;
            var name = segment.Definition.Name;
            var single = compiled;
            await evaluator.ScanAsync(
                batch,
                job.Cursor,
                async page =>
                {
                    long matched = 0;
                    var changes = new List<(StoredDocument, System.Text.Json.JsonElement, IReadOnlyList<MembershipDecision>)>();
                    for (var i = 0; i < page.Profiles.Count; i++)
                    {
                        var member = page.Results[i][0];
                        matched += member ? 1 : 0;
                        if (SegmentProfiles.ReadMembership(page.Bodies[i]).ContainsKey(key) != member)
                        {
                            changes.Add((page.Profiles[i], page.Bodies[i], [new MembershipDecision(key, name, job.RuleVersion, member)]));
                        }
                    }
                    var transitions = await evaluator.ApplyScannedAsync(
                        changes,
                        single is null ? null : set,
                        s => s.Key == key,
                        cancellationToken
                    );
                    var entered = transitions.Count(t => t.Entered);
                    var exited = transitions.Count - entered;
                    job = job with
                    {
                        Processed = job.Processed + page.Profiles.Count,
                        Entered = job.Entered + entered,
                        Exited = job.Exited + exited,
                        Matched = job.Matched + matched,
                        Cursor = page.Profiles[^1].Id,
                        HeartbeatAt = Instants.Format(time.GetUtcNow()),
                    };
                    try
                    {
                        document = await store.ReplaceAsync(
                            Containers.Definitions,
                            Write(job, DefinitionDocuments.CreatedAt(document), job.HeartbeatAt),
                            document.ETag,
                            cancellationToken
                        );
                        return true;
                    }
                    catch (Exception ex) when (ex is ETagMismatchException or DocumentNotFoundException)
                    {
                        superseded = true; // A newer job replaced this one: it starts over with the new rule.
                        return false;
                    }
                },
                cancellationToken
            );
            if (superseded)
            {
                LogSuperseded(logger, key, job.RuleVersion);
                return;
            }
            await FinishAsync(
                job with
                {
                    State = SegmentJobState.Completed,
                    CompletedAt = Instants.Format(time.GetUtcNow()),
                    Total = Math.Max(job.Total, job.Processed),
                },
                document,
                cancellationToken
            );
            LogCompleted(logger, key, job.RuleVersion, job.Processed, job.Entered, job.Exited);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, key);
            try
            {
                await FinishAsync(job with { State = SegmentJobState.Failed, Error = ex.Message }, document, cancellationToken);
            }
            catch (Exception inner) when (inner is ETagMismatchException or DocumentNotFoundException)
            {
                // Replaced meanwhile.
            }
        }
    }

    private async Task FinishAsync(SegmentJob job, StoredDocument document, CancellationToken cancellationToken)
    {
        var now = Instants.Format(time.GetUtcNow());
        job = job with { HeartbeatAt = job.State == SegmentJobState.Queued ? null : now };
        try
        {
            await store.ReplaceAsync(
                Containers.Definitions,
                Write(job, DefinitionDocuments.CreatedAt(document), now),
                document.ETag,
                cancellationToken
            );
        }
        catch (Exception ex) when (ex is ETagMismatchException or DocumentNotFoundException)
        {
            // A newer job replaced this one.
        }
    }

    private static DocumentWrite Write(SegmentJob job, string createdAt, string updatedAt) =>
        new(
            job.Segment,
            SegmentDocuments.Job,
            SegmentDocuments.Job,
            DefinitionDocuments.ToJson(job, job.Segment, SegmentDocuments.Job, createdAt, updatedAt)
        );

    public void Dispose()
    {
        _run.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(
        EventId = 2140,
        Level = LogLevel.Information,
        Message = "Recompute of segment {Segment} (rule version {Version}) queued: {Reason}"
    )]
    private static partial void LogQueued(ILogger logger, string segment, int version, string reason);

    [LoggerMessage(
        EventId = 2141,
        Level = LogLevel.Information,
        Message = "Recompute of segment {Segment} (rule version {Version}) completed: {Processed} customers, {Entered} entered, {Exited} left"
    )]
    private static partial void LogCompleted(ILogger logger, string segment, int version, long processed, long entered, long exited);

    [LoggerMessage(
        EventId = 2142,
        Level = LogLevel.Information,
        Message = "Recompute of segment {Segment} (rule version {Version}) superseded by a newer job"
    )]
    private static partial void LogSuperseded(ILogger logger, string segment, int version);

    [LoggerMessage(EventId = 2143, Level = LogLevel.Error, Message = "Recompute of segment {Segment} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string segment);
}
