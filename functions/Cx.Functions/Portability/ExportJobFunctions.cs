using Cx.Core.Identity;
using Cx.Http.Portability;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Portability;

/// <summary>Export jobs: start one beside each streamed export, read its progress, download its files by signed link.</summary>
public sealed class ExportJobFunctions(ExportJobEndpoints endpoints)
{
    [Access(Permissions.CustomersRead)]
    [Function(nameof(StartCustomerExportJob))]
    public Task<IResult> StartCustomerExportJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExportJobRoutes.Customers)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.StartCustomersAsync(request, cancellationToken);

    [Access(Permissions.ContentRead)]
    [Function(nameof(StartEntryExportJob))]
    public Task<IResult> StartEntryExportJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExportJobRoutes.Entries)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.StartEntriesAsync(request, typeKey, cancellationToken);

    [Access(Permissions.EventsRead)]
    [Function(nameof(StartEventExportJob))]
    public Task<IResult> StartEventExportJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExportJobRoutes.Events)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.StartEventsAsync(request, cancellationToken);

    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(StartRollupExportJob))]
    public Task<IResult> StartRollupExportJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExportJobRoutes.Rollups)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.StartRollupsAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(GetExportJob))]
    public Task<IResult> GetExportJob(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExportJobRoutes.Job)] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, jobId, cancellationToken);

    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(DownloadExportFile))]
    public Task<IResult> DownloadExportFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExportJobRoutes.File)] HttpRequest request,
        string jobId,
        string fileName,
        CancellationToken cancellationToken
    ) => endpoints.DownloadAsync(request, jobId, fileName, cancellationToken);
}
