using Cx.Core.Identity;
using Cx.Http.Portability;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Portability;

/// <summary>Exports of events by time range and of analytics roll-up counters.</summary>
public sealed class AnalyticsExportFunctions(AnalyticsExportEndpoints endpoints)
{
    [Access(Permissions.EventsRead)]
    [Function(nameof(ExportEvents))]
    public IResult ExportEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AnalyticsExportRoutes.Events)] HttpRequest request
    ) => endpoints.ExportEvents(request);

    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(ExportRollups))]
    public IResult ExportRollups(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AnalyticsExportRoutes.Rollups)] HttpRequest request
    ) => endpoints.ExportRollups(request);
}
