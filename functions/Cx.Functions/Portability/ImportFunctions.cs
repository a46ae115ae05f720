using Cx.Core.Identity;
using Cx.Http.Portability;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Portability;

/// <summary>Imports: customers, and the entries of any collection type, from NDJSON or CSV.</summary>
public sealed class ImportFunctions(ImportEndpoints endpoints)
{
    [Access(Permissions.CustomersWrite)]
    [Function(nameof(ImportCustomers))]
    public Task<IResult> ImportCustomers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ImportRoutes.Customers)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ImportCustomersAsync(request, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(ImportEntries))]
    public Task<IResult> ImportEntries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ImportRoutes.Entries)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.ImportEntriesAsync(request, typeKey, cancellationToken);
}
