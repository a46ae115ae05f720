using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Realtime;

/// <summary>What a channel follows.</summary>
public enum ChannelKind
{
    /// <summary><c>entry:{typeKey}:{entryId}</c>: one content entry (not customer-scoped types).</summary>
    Entry,

    /// <summary><c>customer:{customerId}</c>: the customer's profile and every customer-scoped document of that customer.</summary>
    Customer,

    /// <summary><c>segment:{segmentKey}</c>: customers joining and leaving a segment.</summary>
    Segment,

    /// <summary><c>ticket:{ticketId}</c>: one support ticket.</summary>
    Ticket,

    /// <summary><c>session:{sessionId}</c>: a device session's state, for its owner's devices.</summary>
    Session,
}

/// <summary>A channel name, parsed: <c>entry:{typeKey}:{id}</c>, <c>customer:{id}</c>, <c>segment:{key}</c>, <c>ticket:{id}</c>.</summary>
public sealed partial record RealtimeChannel(ChannelKind Kind, string? TypeKey, string Id)
{
    public const string TicketType = "support-ticket";

    public string Name =>
        Kind switch
        {
            ChannelKind.Entry => $"entry:{TypeKey}:{Id}",
            ChannelKind.Customer => "customer:" + Id,
            ChannelKind.Segment => "segment:" + Id,
            ChannelKind.Session => "session:" + Id,
            _ => "ticket:" + Id,
        };

    public override string ToString() => Name;

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,63}$")]
    private static partial Regex KeyPattern();

    /// <summary>Parses a channel name, or null when it is not one.</summary>
    public static RealtimeChannel? TryParse(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 256)
        {
            return null;
        }
        var parts = name.Split(':');
        return parts switch
        {
            ["entry", var type, var id] when KeyPattern().IsMatch(type) && IdPattern().IsMatch(id) => new(ChannelKind.Entry, type, id),
            ["customer", var id] when IdPattern().IsMatch(id) => new(ChannelKind.Customer, null, id),
            ["segment", var key] when KeyPattern().IsMatch(key) => new(ChannelKind.Segment, null, key),
            ["ticket", var id] when IdPattern().IsMatch(id) => new(ChannelKind.Ticket, null, id),
            ["session", var id] when IdPattern().IsMatch(id) => new(ChannelKind.Session, null, id),
            _ => null,
        };
    }

    /// <summary>Parses a channel name from a request body; a bad one is a 400 at <paramref name="pointer"/>.</summary>
    public static RealtimeChannel Parse(string? name, string pointer) =>
        TryParse(name)
        ?? throw new ValidationException(
            new FieldError(
                pointer,
                "invalid-channel",
                "A channel is entry:{typeKey}:{entryId}, customer:{customerId}, segment:{segmentKey}, ticket:{ticketId} or session:{sessionId}."
            )
        );

    /// <summary>
    /// The channels a stored change is published to (none for containers realtime does not follow);
    /// a customer's in-app inbox messages go to the customer's channel.
    /// </summary>
    public static IReadOnlyList<RealtimeChannel> Of(ChangeRecord change) =>
        change.Container switch
        {
            Containers.Customers => TryId(change.PartitionKey) is { } customer ? [new(ChannelKind.Customer, null, customer)] : [],
            Containers.Content when TryId(change.Id) is { } id && KeyPattern().IsMatch(change.Type) => change.Type == TicketType
                ? [new(ChannelKind.Entry, change.Type, id), new(ChannelKind.Ticket, null, id)]
                : [new(ChannelKind.Entry, change.Type, id)],
            Containers.Memberships when KeyPattern().IsMatch(change.PartitionKey) => [new(ChannelKind.Segment, null, change.PartitionKey)],
            Containers.Notifications
                when change.Type == Notifications.NotificationLog.InboxType && TryId(change.PartitionKey) is { } owner =>
            [
                new(ChannelKind.Customer, null, owner),
            ],
            _ => [],
        };

    private static string? TryId(string value) => IdPattern().IsMatch(value) ? value : null;
}
