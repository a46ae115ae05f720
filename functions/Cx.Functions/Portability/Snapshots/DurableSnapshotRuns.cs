using Cx.Core.Portability.Snapshots;
using Cx.Functions.Durable;
using Microsoft.DurableTask.Client;

namespace Cx.Functions.Portability.Snapshots;

/// <summary>The snapshot runs over the host's Durable client: the singleton instance <see cref="InstanceId"/>.</summary>
public sealed class DurableSnapshotRuns(DurableTaskClient client) : ISnapshotRuns
{
    /// <summary>The fixed id of the singleton snapshot orchestration.</summary>
    public const string InstanceId = "store-snapshot";

    public async Task<SnapshotRunState?> StartAsync(string snapshotId, CancellationToken cancellationToken) =>
        await DurableSingleton.TryStartAsync(client, nameof(SnapshotFunctions.RunSnapshot), InstanceId, snapshotId, cancellationToken)
            ? await GetAsync(cancellationToken)
            : null;

    public async Task<SnapshotRunState?> GetAsync(CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(InstanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }
        return new SnapshotRunState(
            instance.InstanceId,
            DurableSingleton.Describe(instance.RuntimeStatus),
            instance.SerializedInput is null ? null : instance.ReadInputAs<string>(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<SnapshotRunResult>() : null,
            instance.FailureDetails?.ErrorMessage
        );
    }
}
