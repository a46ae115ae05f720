using Cx.Core.Identity;
using Cx.Http.Identity;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Identity;

/// <summary>Staff accounts, API keys and SSO claims mappings.</summary>
public sealed class IdentityAdminFunctions(IdentityAdminEndpoints endpoints)
{
    [Access(Permissions.AccountsManage)]
    [Function(nameof(ListAccounts))]
    public Task<IResult> ListAccounts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AccountRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAccountsAsync(request, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(CreateAccount))]
    public Task<IResult> CreateAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AccountRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAccountAsync(request, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(GetAccount))]
    public Task<IResult> GetAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AccountRoutes.ById)] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken
    ) => endpoints.GetAccountAsync(request, accountId, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(UpdateAccount))]
    public Task<IResult> UpdateAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = AccountRoutes.ById)] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken
    ) => endpoints.UpdateAccountAsync(request, accountId, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(SetAccountPassword))]
    public Task<IResult> SetAccountPassword(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = AccountRoutes.Password)] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken
    ) => endpoints.SetPasswordAsync(request, accountId, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(DeleteAccount))]
    public Task<IResult> DeleteAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = AccountRoutes.ById)] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAccountAsync(request, accountId, cancellationToken);

    [Access(Permissions.KeysManage)]
    [Function(nameof(ListApiKeys))]
    public Task<IResult> ListApiKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiKeyRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListApiKeysAsync(request, cancellationToken);

    [Access(Permissions.KeysManage)]
    [Function(nameof(CreateApiKey))]
    public Task<IResult> CreateApiKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiKeyRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateApiKeyAsync(request, cancellationToken);

    [Access(Permissions.KeysManage)]
    [Function(nameof(RevokeApiKey))]
    public Task<IResult> RevokeApiKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiKeyRoutes.ById)] HttpRequest request,
        string keyId,
        CancellationToken cancellationToken
    ) => endpoints.RevokeApiKeyAsync(request, keyId, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(GetClaimsMapping))]
    public Task<IResult> GetClaimsMapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ClaimsMappingRoutes.ByKey)] HttpRequest request,
        string issuerKey,
        CancellationToken cancellationToken
    ) => endpoints.GetClaimsMappingAsync(request, issuerKey, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(PutClaimsMapping))]
    public Task<IResult> PutClaimsMapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ClaimsMappingRoutes.ByKey)] HttpRequest request,
        string issuerKey,
        CancellationToken cancellationToken
    ) => endpoints.PutClaimsMappingAsync(request, issuerKey, cancellationToken);

    [Access(Permissions.AccountsManage)]
    [Function(nameof(DeleteClaimsMapping))]
    public Task<IResult> DeleteClaimsMapping(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ClaimsMappingRoutes.ByKey)] HttpRequest request,
        string issuerKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteClaimsMappingAsync(request, issuerKey, cancellationToken);
}
