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
    public Task<IResult> NegotiateRealtime(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = RealtimeRoutes.Negotiate)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.NegotiateAsync(request, cancellationToken);

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

/// <summary>Device sessions: short-lived state of one user handed between devices; only its own user reaches a session.</summary>
public sealed class DeviceSessionFunctions(SessionEndpoints endpoints)
{
    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(CreateDeviceSession))]
    public Task<IResult> CreateDeviceSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = RealtimeRoutes.Sessions)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(GetDeviceSession))]
    public Task<IResult> GetDeviceSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = RealtimeRoutes.Session)] HttpRequest request,
        string sessionId,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, sessionId, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(ReplaceDeviceSession))]
    public Task<IResult> ReplaceDeviceSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = RealtimeRoutes.Session)] HttpRequest request,
        string sessionId,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, sessionId, cancellationToken);

    [Access(AccessAttribute.Authenticated)]
    [Function(nameof(RevokeDeviceSession))]
    public Task<IResult> RevokeDeviceSession(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = RealtimeRoutes.Session)] HttpRequest request,
        string sessionId,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, sessionId, cancellationToken);
}
