using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Cx.DevHost.Realtime;

/// <summary>The open connections of the DevHost's hub: whose each is, when its token was made, and its context (to close it).</summary>
public sealed class HubConnections
{
    public sealed record Connection(string UserId, string? SessionId, DateTimeOffset IssuedAt, HubCallerContext Context);

    private readonly ConcurrentDictionary<string, Connection> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Connection>> _awaited = new(StringComparer.Ordinal);

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
        if (_awaited.TryRemove(connectionId, out var waiter))
        {
            waiter.TrySetResult(connection);
        }
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

    /// <summary>
    /// The connection, waiting up to <paramref name="timeout"/> for it to be registered: the SignalR
    /// handshake completes (and a client's start() returns) before the hub's OnConnectedAsync runs,
    /// so a client that subscribes at once can arrive first. Null when it never shows up.
    /// </summary>
    public async Task<Connection?> FindAsync(string connectionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Find(connectionId) is { } open)
        {
            return open;
        }
        var waiter = _awaited.GetOrAdd(
            connectionId,
            _ => new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously)
        );
        if (Find(connectionId) is { } raced)
        {
            _awaited.TryRemove(connectionId, out _);
            return raced;
        }
        try
        {
            return await waiter.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            _awaited.TryRemove(connectionId, out _);
            return null;
        }
    }

    public IReadOnlyList<Connection> All => [.. _open.Values];

    public int Count => _open.Count;
}
