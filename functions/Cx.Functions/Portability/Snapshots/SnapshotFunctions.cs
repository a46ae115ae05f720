using Cx.Core.Identity;
using Cx.Core.Portability.Snapshots;
using Cx.Http.Portability.Snapshots;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cx.Functions.Portability.Snapshots;

/// <summary>
/// Store snapshots on Durable Functions (ADR 0444): a timer (and an admin endpoint) starts the singleton
/// orchestration, which plans the parts, fans out one activity per part (each writes one Parquet file,
/// overwriting what an earlier attempt wrote), writes the manifest last and applies the retention
/// policy. The DevHost runs these same methods in process (functions/Cx.DevHost/Durable).
/// </summary>
public sealed class SnapshotFunctions(SnapshotService snapshots, SnapshotEndpoints endpoints, TimeProvider time)
{
    /// <summary>Parts written at once: bounds the files held in memory by one run.</summary>
    public const int ConcurrentParts = 4;

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(ScheduleSnapshot))]
    public async Task ScheduleSnapshot(
        [TimerTrigger("%Cx__Snapshots__Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    )
    {
        if (snapshots.Supported)
        {
            await new DurableSnapshotRuns(client).StartAsync(SnapshotService.NewId(time.GetUtcNow()), cancellationToken);
        }
    }

    /// <summary>The orchestrator: deterministic, no services (its input is the snapshot id).</summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(RunSnapshot))]
    public static async Task<SnapshotRunResult> RunSnapshot([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var snapshotId = context.GetInput<string>() ?? SnapshotService.NewId(context.CurrentUtcDateTime);
        var plan = await context.CallActivityAsync<SnapshotPlan>(
            nameof(PlanSnapshot),
            new SnapshotPlanRequest(snapshotId, context.CurrentUtcDateTime)
        );
        var tables = plan.Tables.ToDictionary(t => (t.Database, t.Name));
        var files = new List<SnapshotFile>(plan.Parts.Count);
        foreach (var batch in plan.Parts.Chunk(ConcurrentParts))
        {
            files.AddRange(
                await Task.WhenAll(
                    batch.Select(part =>
                        context.CallActivityAsync<SnapshotFile>(
                            nameof(WriteSnapshotPart),
                            new SnapshotPartRequest(snapshotId, tables[(part.Database, part.Table)], part)
                        )
                    )
                )
            );
        }
        var manifest = await context.CallActivityAsync<SnapshotManifest>(
            nameof(WriteSnapshotManifest),
            new SnapshotManifestRequest(plan, files)
        );
        var retention = await context.CallActivityAsync<SnapshotRetentionResult>(nameof(ApplySnapshotRetention), snapshotId);
        return new SnapshotRunResult(snapshotId, manifest.Rows, manifest.Bytes, manifest.Files.Count, retention.Deleted);
    }

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(PlanSnapshot))]
    public Task<SnapshotPlan> PlanSnapshot([ActivityTrigger] SnapshotPlanRequest request, CancellationToken cancellationToken) =>
        snapshots.PlanAsync(request.SnapshotId, request.StartedAt, cancellationToken);

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(WriteSnapshotPart))]
    public Task<SnapshotFile> WriteSnapshotPart([ActivityTrigger] SnapshotPartRequest request, CancellationToken cancellationToken) =>
        snapshots.WritePartAsync(request, cancellationToken);

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(WriteSnapshotManifest))]
    public Task<SnapshotManifest> WriteSnapshotManifest(
        [ActivityTrigger] SnapshotManifestRequest request,
        CancellationToken cancellationToken
    ) => snapshots.WriteManifestAsync(request, cancellationToken);

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(ApplySnapshotRetention))]
    public Task<SnapshotRetentionResult> ApplySnapshotRetention([ActivityTrigger] string snapshotId, CancellationToken cancellationToken) =>
        snapshots.ApplyRetentionAsync(snapshotId, cancellationToken);

    [Access(Permissions.SnapshotsManage)]
    [Function(nameof(StartSnapshot))]
    public Task<IResult> StartSnapshot(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SnapshotRoutes.Collection)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    ) => endpoints.StartAsync(request, new DurableSnapshotRuns(client), cancellationToken);

    [Access(Permissions.SnapshotsManage)]
    [Function(nameof(ListSnapshots))]
    public Task<IResult> ListSnapshots(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SnapshotRoutes.Collection)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, new DurableSnapshotRuns(client), cancellationToken);

    [Access(Permissions.SnapshotsManage)]
    [Function(nameof(GetSnapshot))]
    public Task<IResult> GetSnapshot(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SnapshotRoutes.ById)] HttpRequest request,
        string snapshotId,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, snapshotId, cancellationToken);
}
