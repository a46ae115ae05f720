using Cx.Core.Experiments;
using Cx.Functions.Durable;
using Microsoft.DurableTask.Client;

namespace Cx.Functions.Experiments;

/// <summary>
/// The significance runs over the host's Durable client: the singleton instance <see cref="InstanceId"/>.
/// When the backend no longer knows the instance (the DevHost's in-memory backend after a restart),
/// the last run recorded in the store by the orchestration answers (<see cref="ExperimentRunHistory"/>).
/// </summary>
public sealed class DurableSignificanceRuns(DurableTaskClient client, ExperimentRunHistory history) : ISignificanceRuns
{
    /// <summary>The fixed id of the singleton significance orchestration.</summary>
    public const string InstanceId = "experiment-significance";

    public async Task<SignificanceRunState?> StartAsync(string runId, CancellationToken cancellationToken) =>
        await DurableSingleton.TryStartAsync(
            client,
            nameof(ExperimentSignificanceFunctions.RunExperimentSignificance),
            InstanceId,
            runId,
            cancellationToken
        )
            ? await GetAsync(cancellationToken)
            : null;

    public async Task<SignificanceRunState?> GetAsync(CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(InstanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return await history.ReadLastAsync(cancellationToken);
        }
        return new SignificanceRunState(
            instance.InstanceId,
            DurableSingleton.Describe(instance.RuntimeStatus),
            instance.SerializedInput is null ? null : instance.ReadInputAs<string>(),
            instance.CreatedAt,
            instance.LastUpdatedAt,
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<SignificanceRun>() : null,
            instance.FailureDetails?.ErrorMessage
        );
    }
}
