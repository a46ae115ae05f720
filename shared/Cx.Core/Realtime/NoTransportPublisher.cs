using Cx.Core.Common;

namespace Cx.Core.Realtime;

/// <summary>
/// The transport of a host that has none (the function app with <c>Cx:Realtime:Provider</c> set to
/// <c>Embedded</c>, whose hub only the DevHost runs): publications still go to the channel log,
/// and negotiate and subscribe answer 409 saying what to configure.
/// </summary>
public sealed class NoTransportPublisher : IRealtimePublisher
{
    private static ConflictException Unavailable() =>
        new(
            "realtime-unavailable",
            "This host runs no realtime hub: use the DevHost, or set Cx:Realtime:Provider to SignalRService with Cx:Realtime:SignalR settings."
        );

    public ValueTask<NegotiateResult> NegotiateAsync(RealtimeUser user, Uri requestBase, CancellationToken cancellationToken) =>
        throw Unavailable();

    public ValueTask PublishAsync(IReadOnlyList<ChannelPublication> publications, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public ValueTask AddToChannelAsync(string connectionId, RealtimeUser user, string channel, CancellationToken cancellationToken) =>
        throw Unavailable();
}
