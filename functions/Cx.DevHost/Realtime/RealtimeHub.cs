using Microsoft.AspNetCore.SignalR;

namespace Cx.DevHost.Realtime;

/// <summary>
/// The embedded stand-in for SignalR Service in serverless mode: clients only receive (target
/// <c>publication</c>); they join channels through <c>POST /api/v1/realtime/subscriptions</c>, as
/// with the service. The hub only keeps track of whose connections are open.
/// </summary>
public sealed class RealtimeHub(HubConnections connections) : Hub
{
    public override Task OnConnectedAsync()
    {
        connections.Opened(
            Context.ConnectionId,
            Context.UserIdentifier!,
            Context.User?.FindFirst(Core.Realtime.RealtimeTokens.SessionClaim)?.Value,
            Context
        );
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Closed(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
