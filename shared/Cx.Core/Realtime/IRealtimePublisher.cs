namespace Cx.Core.Realtime;

/// <summary>Who a realtime connection belongs to: the user id SignalR sees (<c>nameid</c>) and the Cx session it came from.</summary>
public sealed record RealtimeUser(string UserId, string? SessionId);

/// <summary>The negotiate answer of SignalR's serverless contract: where to connect, and the token to connect with.</summary>
public sealed record NegotiateResult(string Url, string AccessToken);

/// <summary>
/// The realtime transport: SignalR Service through its REST API in Azure, the DevHost's own SignalR
/// hub in embedded mode. Both speak the same negotiate contract, so one client works with both.
/// </summary>
public interface IRealtimePublisher
{
    /// <summary>The connection URL and access token for <paramref name="user"/>; <paramref name="requestBase"/> is the scheme and host the client called.</summary>
    ValueTask<NegotiateResult> NegotiateAsync(RealtimeUser user, Uri requestBase, CancellationToken cancellationToken);

    /// <summary>Sends publications to their channels' groups, in order.</summary>
    ValueTask PublishAsync(IReadOnlyList<ChannelPublication> publications, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a connection to a channel's group. A connection that is not open (or, where the
    /// transport can tell, not <paramref name="user"/>'s) is a <see cref="Common.NotFoundException"/>.
    /// </summary>
    ValueTask AddToChannelAsync(string connectionId, RealtimeUser user, string channel, CancellationToken cancellationToken);
}
