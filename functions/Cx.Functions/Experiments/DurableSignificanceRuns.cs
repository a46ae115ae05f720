using Cx.Core.Experiments;
using Cx.Functions.Durable;
using Microsoft.DurableTask.Client;

namespace Cx.Functions.Experiments;

/// <summary>The significance runs over the host's Durable client: the singleton instance <see cref="InstanceId"/>.</summary>
public sealed class DurableSignificanceRuns(DurableTaskClient client) : ISignificanceRuns
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
            return null;
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
