using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cx.Functions.Durable;

/// <summary>
/// A Durable orchestration that runs as a singleton: one fixed instance id, started only when no
/// instance with that id is pending, running or suspended (the Durable Functions singleton pattern).
/// For any capability's scheduled orchestration (significance, nightly exports, ...).
/// </summary>
public static class DurableSingleton
{
    /// <summary>Starts <paramref name="orchestrator"/> as <paramref name="instanceId"/>; false when an instance is still active.</summary>
    public static async Task<bool> TryStartAsync(
        DurableTaskClient client,
        string orchestrator,
        string instanceId,
        object? input,
        CancellationToken cancellationToken
    )
    {
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (existing is not null && IsActive(existing.RuntimeStatus))
        {
            return false;
        }
        await client.ScheduleNewOrchestrationInstanceAsync(
            orchestrator,
            input,
            new StartOrchestrationOptions { InstanceId = instanceId },
            cancellationToken
        );
        return true;
    }

    public static bool IsActive(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended;

    /// <summary>The status as the API shows it: pending, running, completed, failed, terminated, ...</summary>
    public static string Describe(OrchestrationRuntimeStatus status) => status.ToString().ToLowerInvariant();
}
