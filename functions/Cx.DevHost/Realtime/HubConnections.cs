using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Cx.DevHost.Realtime;

/// <summary>The open connections of the DevHost's hub: whose each is, when its token was made, and its context (to close it).</summary>
public sealed class HubConnections
{
    public sealed record Connection(string UserId, string? SessionId, DateTimeOffset IssuedAt, HubCallerContext Context);

    private readonly ConcurrentDictionary<string, Connection> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perUser = new(StringComparer.Ordinal);

    /// <summary>Registers a connection; false (and nothing registered) when its user already has <paramref name="maxPerUser"/> open.</summary>
    public bool TryOpen(string connectionId, Connection connection, int maxPerUser)
    {
        var count = _perUser.AddOrUpdate(connection.UserId, 1, (_, n) => n + 1);
        if (count > maxPerUser)
        {
            _perUser.AddOrUpdate(connection.UserId, 0, (_, n) => n - 1);
            return false;
        }
        _open[connectionId] = connection;
        return true;
    }

    public void Closed(string connectionId)
    {
        if (_open.TryRemove(connectionId, out var connection))
        {
            _perUser.AddOrUpdate(connection.UserId, 0, (_, n) => Math.Max(0, n - 1));
        }
    }

    /// <summary>How many connections the user has open.</summary>
    public int CountFor(string userId) => _perUser.GetValueOrDefault(userId);

    public Connection? Find(string connectionId) => _open.GetValueOrDefault(connectionId);

    public IReadOnlyList<Connection> All => [.. _open.Values];

    public int Count => _open.Count;
}
