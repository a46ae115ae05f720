using Cx.Core.Experiments;
using Cx.Core.Identity;
using Cx.Http.Experiments;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Cx.Functions.Experiments;

/// <summary>
/// Experiment significance on Durable Functions: a timer (and an admin endpoint) starts the singleton
/// orchestration, which lists the running experiments, fans out one analysis activity per experiment,
/// and writes each decided experiment through an idempotent activity. The DevHost runs these same
/// methods in process (functions/Cx.DevHost/Durable).
/// </summary>
public sealed class ExperimentSignificanceFunctions(
    ExperimentSignificance significance,
    ExperimentRunEndpoints endpoints,
    ExperimentRunHistory history,
    TimeProvider time
)
{
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(ScheduleExperimentSignificance))]
    public async Task ScheduleExperimentSignificance(
        [TimerTrigger("%Cx__Experiments__SignificanceSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    )
    {
        var runId = "timer-" + time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await new DurableSignificanceRuns(client, history).StartAsync(runId, cancellationToken);
    }

    /// <summary>The orchestrator: deterministic, no services (its input is the run id).</summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(RunExperimentSignificance))]
    public static async Task<SignificanceRun> RunExperimentSignificance([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var runId = context.GetInput<string>() ?? context.InstanceId;
        var createdAt = context.CurrentUtcDateTime;
        var keys = await context.CallActivityAsync<string[]>(nameof(ListExperimentsToAnalyze), runId);
        var analyses = await Task.WhenAll(
            keys.Select(key =>
                context.CallActivityAsync<ExperimentAnalysis>(nameof(AnalyzeExperiment), new AnalyzeExperimentRequest(runId, key))
            )
        );
        var outcomes = new ExperimentRunOutcome[analyses.Length];
        for (var i = 0; i < analyses.Length; i++)
        {
            var analysis = analyses[i];
            var write =
                analysis.Decision == ExperimentDecisions.Winner
                    ? await context.CallActivityAsync<string>(nameof(WriteExperimentDecision), analysis)
                    : "not-decided";
            outcomes[i] = new ExperimentRunOutcome(analysis.Experiment, analysis.Decision, analysis.Winner, write, analysis);
        }
        var run = new SignificanceRun(runId, outcomes);
        // Kept in the store too, so the last run outlives the Durable backend's memory of it.
        await context.CallActivityAsync<string>(
            nameof(RecordExperimentRun),
            new SignificanceRunState(context.InstanceId, "completed", runId, createdAt, context.CurrentUtcDateTime, run, null)
        );
        return run;
    }

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(RecordExperimentRun))]
    public async Task<string> RecordExperimentRun([ActivityTrigger] SignificanceRunState state, CancellationToken cancellationToken)
    {
        await history.RecordAsync(state, cancellationToken);
        return "recorded";
    }

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(ListExperimentsToAnalyze))]
    public Task<string[]> ListExperimentsToAnalyze([ActivityTrigger] string runId, CancellationToken cancellationToken) =>
        significance.ListRunningAsync(cancellationToken);

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(AnalyzeExperiment))]
    public Task<ExperimentAnalysis> AnalyzeExperiment(
        [ActivityTrigger] AnalyzeExperimentRequest request,
        CancellationToken cancellationToken
    ) => significance.AnalyzeAsync(request.RunId, request.Experiment, cancellationToken);

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(WriteExperimentDecision))]
    public Task<string> WriteExperimentDecision([ActivityTrigger] ExperimentAnalysis analysis, CancellationToken cancellationToken) =>
        significance.WriteAsync(analysis, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(StartExperimentRun))]
    public Task<IResult> StartExperimentRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Runs)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    ) => endpoints.StartAsync(request, new DurableSignificanceRuns(client, history), cancellationToken);

    [Access(Permissions.FlagsRead)]
    [Function(nameof(GetExperimentRun))]
    public Task<IResult> GetExperimentRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Runs)] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, new DurableSignificanceRuns(client, history), cancellationToken);
}
