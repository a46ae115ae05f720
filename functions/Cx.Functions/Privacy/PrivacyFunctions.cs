using Cx.Core.Identity;
using Cx.Http.Privacy;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Privacy;

/// <summary>Privacy requests: a customer's access bundle and erasure.</summary>
public sealed class PrivacyFunctions(PrivacyEndpoints endpoints)
{
    [Access(Permissions.PrivacyRequests, Self = "customerId")]
    [Function(nameof(GetCustomerPersonalData))]
    public Task<IResult> GetCustomerPersonalData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PrivacyRoutes.PersonalData)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.GetPersonalDataAsync(request, customerId, cancellationToken);

    [Access(Permissions.PrivacyRequests)]
    [Function(nameof(EraseCustomerPersonalData))]
    public Task<IResult> EraseCustomerPersonalData(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PrivacyRoutes.Erasure)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.EraseAsync(request, customerId, cancellationToken);
}
