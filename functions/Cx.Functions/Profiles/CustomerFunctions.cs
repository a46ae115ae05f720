using Cx.Core.Identity;
using Cx.Http.Profiles;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Profiles;

/// <summary>The customer profile API: entries of the built-in <c>customer</c> content type.</summary>
public sealed class CustomerFunctions(CustomerEndpoints endpoints)
{
    [Access(Permissions.CustomersRead)]
    [Function(nameof(ListCustomers))]
    public Task<IResult> ListCustomers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CustomerRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.CustomersRead)]
    [Function(nameof(ListCustomersV2))]
    public Task<IResult> ListCustomersV2(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CustomerRoutes.CollectionV2)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListV2Async(request, cancellationToken);

    [Access(Permissions.CustomersWrite)]
    [Function(nameof(CreateCustomer))]
    public Task<IResult> CreateCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = CustomerRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.CustomersRead, Self = "customerId")]
    [Function(nameof(GetCustomer))]
    public Task<IResult> GetCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = CustomerRoutes.ById)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, customerId, cancellationToken);

    [Access(Permissions.CustomersWrite, Self = "customerId")]
    [Function(nameof(ReplaceCustomer))]
    public Task<IResult> ReplaceCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = CustomerRoutes.ById)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, customerId, cancellationToken);

    [Access(Permissions.CustomersWrite, Self = "customerId")]
    [Function(nameof(PatchCustomer))]
    public Task<IResult> PatchCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = CustomerRoutes.ById)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.PatchAsync(request, customerId, cancellationToken);

    [Access(Permissions.CustomersDelete)]
    [Function(nameof(DeleteCustomer))]
    public Task<IResult> DeleteCustomer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = CustomerRoutes.ById)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, customerId, cancellationToken);
}
