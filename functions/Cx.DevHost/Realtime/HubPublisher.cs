using System.Security.Cryptography;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Realtime;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Cx.DevHost.Realtime;

/// <summary>
/// The embedded realtime transport: the DevHost's <see cref="RealtimeHub"/> behind the same
/// negotiate contract as SignalR Service (a URL and an HS256 access token for it, here signed with
/// a key made at start-up), so the stock SignalR client works unchanged against both.
/// </summary>
public sealed class HubPublisher(
    IHubContext<RealtimeHub> hub,
    HubConnections connections,
    TimeProvider time,
    IOptions<RealtimeOptions> options
) : IRealtimePublisher
{
    public const string Target = "publication";

    /// <summary>The key the hub's access tokens are signed with; new for every process (tokens are short-lived).</summary>
    public string AccessKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string HubPath(string hubName) => "/realtime/" + hubName;

    public ValueTask<NegotiateResult> NegotiateAsync(RealtimeUser user, Uri requestBase, CancellationToken cancellationToken)
    {
        var url = new Uri(requestBase, HubPath(options.Value.Hub)).ToString();
        var token = RealtimeTokens.Create(AccessKey, url, user, time.GetUtcNow(), TimeSpan.FromMinutes(options.Value.AccessTokenMinutes));
        return ValueTask.FromResult(new NegotiateResult(url, token));
    }

    public async ValueTask PublishAsync(IReadOnlyList<ChannelPublication> publications, CancellationToken cancellationToken)
    {
        foreach (var publication in publications)
        {
            using var message = JsonDocument.Parse(publication.ToJson());
            await hub.Clients.Group(publication.Channel).SendAsync(Target, message.RootElement, cancellationToken);
        }
    }

    public async ValueTask AddToChannelAsync(string connectionId, RealtimeUser user, string channel, CancellationToken cancellationToken)
    {
        var connection = await connections.FindAsync(connectionId, TimeSpan.FromSeconds(2), cancellationToken);
        if (connection is null || connection.UserId != user.UserId)
        {
            throw new NotFoundException("Connection", connectionId);
        }
        await hub.Groups.AddToGroupAsync(connectionId, channel, cancellationToken);
    }
}
