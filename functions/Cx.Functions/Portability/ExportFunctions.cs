using Cx.Core.Identity;
using Cx.Http.Portability;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Portability;

/// <summary>Exports: customers, and the entries of any collection type, as JSON, NDJSON, CSV or Parquet.</summary>
public sealed class ExportFunctions(ExportEndpoints endpoints)
{
    [Access(Permissions.CustomersRead)]
    [Function(nameof(ExportCustomers))]
    public Task<IResult> ExportCustomers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExportRoutes.Customers)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ExportCustomersAsync(request, cancellationToken);

    [Access(Permissions.ContentRead)]
    [Function(nameof(ExportEntries))]
    public Task<IResult> ExportEntries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExportRoutes.Entries)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.ExportEntriesAsync(request, typeKey, cancellationToken);
}
