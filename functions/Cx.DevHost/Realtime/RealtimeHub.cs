using System.Globalization;
using Cx.Core.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Cx.DevHost.Realtime;

/// <summary>
/// The embedded stand-in for SignalR Service in serverless mode: clients only receive (target
/// <c>publication</c>); they join channels through <c>POST /api/v1/realtime/subscriptions</c>, as
/// with the service. The hub keeps track of whose connections are open, and closes a connection
/// beyond <see cref="RealtimeOptions.MaxConnectionsPerUser"/> at once.
/// </summary>
public sealed class RealtimeHub(HubConnections connections, IOptions<RealtimeOptions> options) : Hub
{
    public override Task OnConnectedAsync()
    {
        var user = Context.User!;
        var issuedAt = long.TryParse(user.FindFirst(RealtimeTokens.IssuedAtClaim)?.Value, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : DateTimeOffset.MinValue;
        var connection = new HubConnections.Connection(
            Context.UserIdentifier!,
            user.FindFirst(RealtimeTokens.SessionClaim)?.Value,
            issuedAt,
            Context
        );
        if (!connections.TryOpen(Context.ConnectionId, connection, options.Value.MaxConnectionsPerUser))
        {
            throw new HubException($"At most {options.Value.MaxConnectionsPerUser} realtime connections per user.");
        }
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Closed(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
