using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Cx.DevHost.Realtime;

/// <summary>The open connections of the DevHost's hub: whose each is, and its context (to close it).</summary>
public sealed class HubConnections
{
    public sealed record Connection(string UserId, string? SessionId, HubCallerContext Context);

    private readonly ConcurrentDictionary<string, Connection> _open = new(StringComparer.Ordinal);

    public void Opened(string connectionId, string userId, string? sessionId, HubCallerContext context) =>
        _open[connectionId] = new Connection(userId, sessionId, context);

    public void Closed(string connectionId) => _open.TryRemove(connectionId, out _);

    public Connection? Find(string connectionId) => _open.GetValueOrDefault(connectionId);

    public IEnumerable<KeyValuePair<string, Connection>> All => _open;

    public int Count => _open.Count;
}
