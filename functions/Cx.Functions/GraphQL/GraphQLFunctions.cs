using Cx.Http.GraphQL;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.GraphQL;

/// <summary>
/// GraphQL over HTTP. The route needs any valid credentials; each field then checks the permission
/// its REST route declares (a customer token reads its own record only). Rate-limited as reads.
/// </summary>
public sealed class GraphQLFunctions(GraphQLEndpoints endpoints)
{
    [Access(AccessAttribute.Authenticated, RateLimit = RateLimitGroups.Read)]
    [Function(nameof(ExecuteGraphQL))]
    public Task<IResult> ExecuteGraphQL(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = GraphQLRoutes.Endpoint)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.PostAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated, RateLimit = RateLimitGroups.Read)]
    [Function(nameof(ExecuteGraphQLByGet))]
    public Task<IResult> ExecuteGraphQLByGet(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = GraphQLRoutes.Endpoint)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, cancellationToken);
}
