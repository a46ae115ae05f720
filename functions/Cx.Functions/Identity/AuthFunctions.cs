using Cx.Http.Identity;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Identity;

/// <summary>Sign-in, token refresh, sign-out and the public keys of Cx tokens.</summary>
public sealed class AuthFunctions(AuthEndpoints endpoints)
{
    [Access(AccessAttribute.Anonymous, RateLimit = RateLimitGroups.Auth)]
    [Function(nameof(IssueToken))]
    public Task<IResult> IssueToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AuthRoutes.Token)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.TokenAsync(request, cancellationToken);

    [Access(AccessAttribute.Anonymous, RateLimit = RateLimitGroups.Auth)]
    [Function(nameof(RevokeToken))]
    public Task<IResult> RevokeToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AuthRoutes.Revoke)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.RevokeAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(SignOut))]
    public Task<IResult> SignOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AuthRoutes.SignOut)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.SignOutAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(SignOutEverywhere))]
    public Task<IResult> SignOutEverywhere(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AuthRoutes.SignOutEverywhere)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.SignOutEverywhereAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(GetCurrentActor))]
    public IResult GetCurrentActor([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AuthRoutes.Me)] HttpRequest request) =>
        endpoints.Me(request);

    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetSigningKeys))]
    public Task<IResult> GetSigningKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AuthRoutes.Jwks)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.JwksAsync(request, cancellationToken);
}
