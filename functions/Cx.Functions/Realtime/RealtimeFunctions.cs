using Cx.Http.Realtime;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Realtime;

/// <summary>Live updates: negotiate (SignalR's serverless contract) and channel subscriptions; channel permissions are checked by the service.</summary>
public sealed class RealtimeFunctions(RealtimeEndpoints endpoints, MutationEndpoints mutations)
{
    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(NegotiateRealtime))]
    public IResult NegotiateRealtime(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = RealtimeRoutes.Negotiate)] HttpRequest request
    ) => endpoints.Negotiate(request);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(SubscribeRealtime))]
    public Task<IResult> SubscribeRealtime(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = RealtimeRoutes.Subscriptions)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.SubscribeAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(ReplayMutations))]
    public Task<IResult> ReplayMutations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = RealtimeRoutes.Mutations)] HttpRequest request,
        CancellationToken cancellationToken
    ) => mutations.ReplayAsync(request, cancellationToken);
}
