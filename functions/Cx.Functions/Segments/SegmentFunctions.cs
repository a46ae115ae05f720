using Cx.Core.Identity;
using Cx.Core.Segments;
using Cx.Http.Security;
using Cx.Http.Segments;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Cx.Functions.Segments;

/// <summary>Segment documents: CRUD, version history and members.</summary>
public sealed class SegmentFunctions(SegmentEndpoints endpoints)
{
    [Access(Permissions.SegmentsRead)]
    [Function(nameof(ListSegments))]
    public Task<IResult> ListSegments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SegmentRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.SegmentsWrite)]
    [Function(nameof(CreateSegment))]
    public Task<IResult> CreateSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SegmentRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.SegmentsRead)]
    [Function(nameof(GetSegment))]
    public Task<IResult> GetSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SegmentRoutes.ByKey)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, segmentKey, cancellationToken);

    [Access(Permissions.SegmentsWrite)]
    [Function(nameof(ReplaceSegment))]
    public Task<IResult> ReplaceSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = SegmentRoutes.ByKey)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, segmentKey, cancellationToken);

    [Access(Permissions.SegmentsWrite)]
    [Function(nameof(DeleteSegment))]
    public Task<IResult> DeleteSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = SegmentRoutes.ByKey)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, segmentKey, cancellationToken);

    [Access(Permissions.SegmentsRead)]
    [Function(nameof(ListSegmentVersions))]
    public Task<IResult> ListSegmentVersions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SegmentRoutes.Versions)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.VersionsAsync(request, segmentKey, cancellationToken);

    [Access(Permissions.SegmentsRead)]
    [Function(nameof(ListSegmentMembers))]
    public Task<IResult> ListSegmentMembers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SegmentRoutes.Members)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.MembersAsync(request, segmentKey, cancellationToken);
}

/// <summary>Evaluating criteria without saving them, and explaining membership.</summary>
public sealed class SegmentEvaluationFunctions(SegmentEndpoints endpoints)
{
    [Access(Permissions.SegmentsRead)]
    [Function(nameof(PreviewSegment))]
    public Task<IResult> PreviewSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SegmentRoutes.Preview)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.PreviewAsync(request, cancellationToken);

    [Access(Permissions.SegmentsRead)]
    [Function(nameof(DryRunSegment))]
    public Task<IResult> DryRunSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SegmentRoutes.DryRun)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.DryRunAsync(request, segmentKey, cancellationToken);

    /// <summary>Staff only: a customer's token cannot read segment rules, its own included.</summary>
    [Access(Permissions.SegmentsRead)]
    [Function(nameof(ExplainSegmentMembership))]
    public Task<IResult> ExplainSegmentMembership(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SegmentRoutes.Explain)] HttpRequest request,
        string customerId,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.ExplainAsync(request, customerId, segmentKey, cancellationToken);
}

/// <summary>Recomputes: their progress over HTTP, and the timers that keep membership current.</summary>
public sealed partial class SegmentJobFunctions(
    SegmentEndpoints endpoints,
    SegmentJobs jobs,
    SegmentSweeper sweeper,
    ILogger<SegmentJobFunctions> logger
)
{
    [Access(Permissions.SegmentsRead)]
    [Function(nameof(GetSegmentRecompute))]
    public Task<IResult> GetSegmentRecompute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SegmentRoutes.Recompute)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.GetRecomputeAsync(request, segmentKey, cancellationToken);

    [Access(Permissions.SegmentsWrite)]
    [Function(nameof(StartSegmentRecompute))]
    public Task<IResult> StartSegmentRecompute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SegmentRoutes.Recompute)] HttpRequest request,
        string segmentKey,
        CancellationToken cancellationToken
    ) => endpoints.StartRecomputeAsync(request, segmentKey, cancellationToken);

    /// <summary>
    /// Every 10 minutes: re-evaluates the segments that depend on time or behaviour (windows sliding
    /// past events, relative dates, and anything the at-most-once behaviour path missed).
    /// </summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(SweepSegments))]
    public async Task SweepSegments([TimerTrigger("0 */10 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var result = await sweeper.SweepAsync(cancellationToken);
        LogSwept(logger, result.Segments, result.Customers);
    }

    /// <summary>Every minute: runs queued recompute jobs and resumes stalled ones (a host that scaled to zero runs no background loop).</summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(RunSegmentJobs))]
    public async Task RunSegmentJobs([TimerTrigger("30 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var ran = await jobs.RunPendingAsync(cancellationToken);
        LogJobs(logger, ran);
    }

    [LoggerMessage(EventId = 910, Level = LogLevel.Information, Message = "Swept {Segments} segments over {Customers} customers")]
    private static partial void LogSwept(ILogger logger, int segments, long customers);

    [LoggerMessage(EventId = 911, Level = LogLevel.Debug, Message = "Ran {Count} segment jobs")]
    private static partial void LogJobs(ILogger logger, int count);
}
