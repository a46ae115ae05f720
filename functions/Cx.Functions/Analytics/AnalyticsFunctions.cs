using Cx.Core.Analytics;
using Cx.Core.Identity;
using Cx.Http.Analytics;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Analytics;

/// <summary>Analytics reads: roll-up series and funnels (staff with analytics:read, never customers).</summary>
public sealed class AnalyticsFunctions(AnalyticsEndpoints endpoints)
{
    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(GetRollups))]
    public Task<IResult> GetRollups(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AnalyticsRoutes.Rollups)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.RollupsAsync(request, cancellationToken);

    /// <summary>A query with a body: POST, but rate-limited as a read.</summary>
    [Access(Permissions.AnalyticsRead, RateLimit = RateLimitGroups.Read)]
    [Function(nameof(QueryFunnel))]
    public Task<IResult> QueryFunnel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AnalyticsRoutes.Funnels)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.FunnelAsync(request, cancellationToken);
}

/// <summary>Journey definitions (awareness, consideration, action), their reports, and the daily report timer.</summary>
public sealed class JourneyFunctions(JourneyEndpoints endpoints, JourneyReportWriter reports)
{
    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(ListJourneys))]
    public Task<IResult> ListJourneys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AnalyticsRoutes.Journeys)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.JourneysWrite)]
    [Function(nameof(CreateJourney))]
    public Task<IResult> CreateJourney(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AnalyticsRoutes.Journeys)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(GetJourney))]
    public Task<IResult> GetJourney(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AnalyticsRoutes.JourneyByKey)] HttpRequest request,
        string journeyKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, journeyKey, cancellationToken);

    [Access(Permissions.JourneysWrite)]
    [Function(nameof(ReplaceJourney))]
    public Task<IResult> ReplaceJourney(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = AnalyticsRoutes.JourneyByKey)] HttpRequest request,
        string journeyKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, journeyKey, cancellationToken);

    [Access(Permissions.JourneysWrite)]
    [Function(nameof(DeleteJourney))]
    public Task<IResult> DeleteJourney(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = AnalyticsRoutes.JourneyByKey)] HttpRequest request,
        string journeyKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, journeyKey, cancellationToken);

    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(GetJourneyReport))]
    public Task<IResult> GetJourneyReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AnalyticsRoutes.JourneyReport)] HttpRequest request,
        string journeyKey,
        CancellationToken cancellationToken
    ) => endpoints.ReportAsync(request, journeyKey, cancellationToken);

    /// <summary>
    /// Daily at 00:10 UTC: every journey's report of each of the last <c>Cx:Analytics:JourneyReportDays</c>
    /// complete UTC days, written as <c>journey-report</c> entries (<c>{journey}-{date}</c>, replaced on re-runs).
    /// </summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(WriteJourneyReports))]
    public Task WriteJourneyReports([TimerTrigger("0 10 0 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        reports.WriteRecentAsync(cancellationToken);
}
