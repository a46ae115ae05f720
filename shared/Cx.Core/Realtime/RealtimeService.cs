using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Microsoft.Extensions.Options;

namespace Cx.Core.Realtime;

/// <summary>What a subscription answers: the channel's head, and the missed publications (recovered) or a fresh snapshot.</summary>
public sealed record SubscribeResult(
    string Channel,
    ChannelPosition Head,
    bool Recovered,
    IReadOnlyList<ChannelPublication> Publications,
    ReadOnlyMemory<byte>? Snapshot
);

/// <summary>
/// Live updates for clients: negotiate (where and with which token to connect) and subscribing a
/// connection to a channel, authorised per channel with the same permissions as the REST reads of
/// what the channel carries: a customer only its own customer channel and its own tickets, agents
/// tickets, staff with segments:read segments, content readers entries (and a type's extra read
/// permission, if it has one). A subscription with a last position resumes from the durable log.
/// </summary>
public sealed class RealtimeService(
    IRealtimePublisher publisher,
    IChannelLog log,
    EntryService entries,
    ContentTypeRegistry registry,
    TimeProvider time,
    IOptions<RealtimeOptions> options,
    IDeviceSessionStore sessions
)
{
    /// <summary>The realtime user id of an actor (SignalR's user identifier): kind and subject.</summary>
    public static RealtimeUser UserOf(Actor actor) => new(actor.Describe(), actor.SessionId);

    public ValueTask<NegotiateResult> NegotiateAsync(Actor actor, Uri requestBase, CancellationToken cancellationToken) =>
        publisher.NegotiateAsync(UserOf(actor), requestBase, cancellationToken);

    public async Task<SubscribeResult> SubscribeAsync(
        Actor actor,
        RealtimeChannel channel,
        string connectionId,
        ChannelPosition? since,
        CancellationToken cancellationToken
    )
    {
        await AuthorizeAsync(actor, channel, cancellationToken);
        // Joined before the log is read: a publication made meanwhile arrives live and may also be in
        // the replay; clients drop offsets they already have, so nothing is missed and nothing doubles.
        await publisher.AddToChannelAsync(connectionId, UserOf(actor), channel.Name, cancellationToken);
        var retained = time.GetUtcNow() - TimeSpan.FromMinutes(options.Value.RetentionMinutes);
        var replay = await log.ReadSinceAsync(channel.Name, since, retained, options.Value.MaxReplay, cancellationToken);
        var snapshot = replay.Recovered ? null : await SnapshotAsync(channel, cancellationToken);
        return new SubscribeResult(channel.Name, replay.Head, replay.Recovered, replay.Publications, snapshot);
    }

    /// <summary>403 unless the actor may read what the channel carries (404 for an unknown content type).</summary>
    public async Task AuthorizeAsync(Actor actor, RealtimeChannel channel, CancellationToken cancellationToken)
    {
        switch (channel.Kind)
        {
            case ChannelKind.Customer:
                Require(actor.Can(Permissions.CustomersRead, channel.Id), "customers:read, or a customer's own channel");
                break;
            case ChannelKind.Segment:
                Require(actor.Has(Permissions.SegmentsRead), Permissions.SegmentsRead);
                break;
            case ChannelKind.Session:
                if ((await sessions.GetAsync(channel.Id, cancellationToken))?.Owner != UserOf(actor).UserId)
                {
                    throw new NotFoundException("Session", channel.Id);
                }
                break;
            case ChannelKind.Ticket:
                if (!actor.Has(Permissions.TicketsRead))
                {
                    Require(actor.IsSelfOnly(Permissions.TicketsRead), Permissions.TicketsRead);
                    Require(await TicketCustomerAsync(channel.Id, cancellationToken) == actor.CustomerId, "a ticket of your own");
                }
                break;
            default:
                Require(actor.Has(Permissions.ContentRead), Permissions.ContentRead);
                var schema = await registry.GetSchemaAsync(channel.TypeKey!, cancellationToken);
                if (schema.Container == Containers.Customers)
                {
                    throw new ValidationException(
                        new FieldError(
                            "/channel",
                            "customer-scoped",
                            $"'{channel.TypeKey}' holds customer data; subscribe to customer:{{id}}."
                        )
                    );
                }
                if (schema.Type.ReadPermission is { } permission)
                {
                    Require(actor.Has(permission), permission);
                }
                break;
        }
    }

    private static void Require(bool allowed, string what)
    {
        if (!allowed)
        {
            throw new ForbiddenException($"Subscribing to this channel needs {what}.");
        }
    }

    private async Task<string?> TicketCustomerAsync(string ticketId, CancellationToken cancellationToken)
    {
        try
        {
            var ticket = await entries.GetAsync(RealtimeChannel.TicketType, ticketId, cancellationToken);
            using var document = JsonDocument.Parse(ticket.Json);
            return document.RootElement.TryGetProperty("customer", out var customer) ? customer.GetString() : null;
        }
        catch (NotFoundException)
        {
            return null; // the same 403 as another customer's ticket: no existence probe
        }
    }

    /// <summary>The channel's current document (null when it does not exist, and for segments, whose members are listed over REST).</summary>
    private async Task<ReadOnlyMemory<byte>?> SnapshotAsync(RealtimeChannel channel, CancellationToken cancellationToken)
    {
        if (channel.Kind == ChannelKind.Session)
        {
            return await sessions.GetAsync(channel.Id, cancellationToken) is { } session
                ? JsonSerializer.SerializeToUtf8Bytes(
                    new JsonObject { ["version"] = session.Version, ["state"] = JsonNode.Parse(session.State.Span) }
                )
                : null;
        }
        var (type, id) = channel.Kind switch
        {
            ChannelKind.Entry => (channel.TypeKey, channel.Id),
            ChannelKind.Customer => (Profiles.CustomerProfile.TypeKey, channel.Id),
            ChannelKind.Ticket => (RealtimeChannel.TicketType, channel.Id),
            _ => ((string?)null, channel.Id),
        };
        if (type is null)
        {
            return null;
        }
        try
        {
            return (await entries.GetAsync(type, id, cancellationToken)).Json;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}
