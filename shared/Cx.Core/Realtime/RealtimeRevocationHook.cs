using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Lifecycle;

namespace Cx.Core.Realtime;

/// <summary>A transport that can close every connection of a user (SignalR Service through its REST API).</summary>
public interface IRealtimeConnectionCloser
{
    /// <summary>Closes every open connection of <paramref name="userId"/> (the realtime user id, <c>kind:subject</c>).</summary>
    ValueTask CloseUserConnectionsAsync(string userId, string reason, CancellationToken cancellationToken);
}

/// <summary>
/// Revocation-close where the transport keeps the connections (SignalR Service): every stored
/// revocation (a session revoked, a sign-out everywhere) reaches the change feed as a change of the
/// subject's revocation document, and this hook closes all of that user's connections through the
/// transport. The service cannot tell which session a connection came from, so a single revoked
/// session closes the user's other connections too; those reconnect through negotiate with their
/// still-valid tokens (the stock client's automatic reconnect), the revoked one is refused there.
/// The DevHost's hub closes connections itself (its revocation watcher) and does not register this.
/// </summary>
public sealed class RealtimeRevocationHook(IRealtimeConnectionCloser closer) : IChangeHook
{
    public const string HookName = "realtime-revocations";

    public string Name => HookName;

    public bool Wants(ChangeRecord change) =>
        change.Container == Containers.Identity && change.Type == RevocationCache.DocumentType && change.Kind != ChangeKind.Delete;

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        foreach (var user in changes.Select(c => UserOf(c.PartitionKey)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await closer.CloseUserConnectionsAsync(user, "revoked", cancellationToken);
        }
    }

    /// <summary>The realtime user id (<c>kind:subject</c>, as <see cref="Actor.Describe"/>) of a subject partition (<c>sub:kind:subject</c>).</summary>
    public static string? UserOf(string partitionKey) =>
        partitionKey.StartsWith("sub:", StringComparison.Ordinal) && partitionKey.Length > 4 ? partitionKey[4..] : null;
}
