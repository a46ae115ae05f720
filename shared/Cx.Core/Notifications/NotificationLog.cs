using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Notifications;

/// <summary>
/// The <c>notifications</c> container, partitioned by customer id: the delivery log (one document per
/// delivery, id = the delivery id, so a cause sends once per channel) and the in-app inbox (one
/// document per message, id = <c>inb_</c> and its delivery id's digits).
/// </summary>
public sealed class NotificationLog(IDocumentStore store)
{
    public const string Container = Containers.Notifications;

    public const string DeliveryType = "notificationDelivery";

    public const string InboxType = "inboxMessage";

    private static readonly FieldPath[] IndexedFields = [FieldPath.Parse("createdAt")];
    private int _indexed;

    private async ValueTask EnsureIndexesAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _indexed) == 0)
        {
            await store.EnsureIndexesAsync(Container, DeliveryType, IndexedFields, cancellationToken);
            await store.EnsureIndexesAsync(Container, InboxType, IndexedFields, cancellationToken);
            Volatile.Write(ref _indexed, 1);
        }
    }

    public async ValueTask<StoredDocument?> ReadDeliveryAsync(string customerId, string deliveryId, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Container, new DocumentKey(customerId, deliveryId), cancellationToken);
        return document?.Type == DeliveryType ? document : null;
    }

    /// <summary>Creates the delivery's log entry as <c>queued</c>; false when it exists already (the same cause came again).</summary>
    public async ValueTask<bool> TryCreateAsync(NotificationMessage message, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await EnsureIndexesAsync(cancellationToken);
        var now = Instants.Format(at);
        var document = new JsonObject
        {
            ["id"] = message.DeliveryId,
            ["type"] = DeliveryType,
            ["customer"] = message.CustomerId,
            ["channel"] = message.Channel,
            ["trigger"] = message.Trigger,
            ["idempotencyKey"] = message.IdempotencyKey,
            ["topic"] = message.Topic,
            ["critical"] = message.Critical,
            ["subject"] = message.Subject,
            ["status"] = NotificationStatuses.Queued,
            ["attempts"] = 0,
            ["createdAt"] = now,
            ["updatedAt"] = now,
        };
        if (message.Digest is { } digest)
        {
            document["digest"] = new JsonObject
            {
                ["id"] = digest.Id,
                ["count"] = digest.Count,
                ["items"] = new JsonArray([.. digest.Items.Select(cause => (JsonNode?)JsonValue.Create(cause))]),
            };
        }
        try
        {
            await store.CreateAsync(Container, Write(message.CustomerId, message.DeliveryId, DeliveryType, document), cancellationToken);
            return true;
        }
        catch (DocumentExistsException)
        {
            return false;
        }
    }

    /// <summary>Status changes kept in an entry's <c>history</c> (the newest).</summary>
    public const int MaxHistory = 20;

    /// <summary>
    /// Records the delivery's outcome: its status, the reason, the address used and the attempt count,
    /// appended to the entry's <c>history</c>. <paramref name="sentAt"/> (when the message was handed to
    /// the transport) adds the <c>sent</c> step before a <c>delivered</c> or <c>failed</c> one, in the
    /// same write; <paramref name="heldUntil"/> marks a <c>queued</c> entry held by quiet hours.
    /// </summary>
    public async ValueTask<StoredDocument> RecordAsync(
        string customerId,
        string deliveryId,
        string status,
        string? reason,
        string? to,
        DateTimeOffset at,
        CancellationToken cancellationToken,
        DateTimeOffset? sentAt = null,
        DateTimeOffset? heldUntil = null
    )
    {
        var existing =
            await ReadDeliveryAsync(customerId, deliveryId, cancellationToken)
            ?? throw new NotFoundException("Notification delivery", deliveryId);
        var document = JsonNode.Parse(existing.Json.Span)!.AsObject();
        var now = Instants.Format(at);
        var history = document["history"] as JsonArray;
        if (history is null)
        {
            history = [new JsonObject { ["status"] = NotificationStatuses.Queued, ["at"] = document["createdAt"]?.DeepClone() }];
            document["history"] = history;
        }
        if (sentAt is { } handed)
        {
            history.Add(new JsonObject { ["status"] = NotificationStatuses.Sent, ["at"] = Instants.Format(handed) });
            document["sentAt"] = Instants.Format(handed);
        }
        history.Add(
            new JsonObject
            {
                ["status"] = status,
                ["at"] = now,
                ["reason"] = reason,
            }
        );
        while (history.Count > MaxHistory)
        {
            history.RemoveAt(0);
        }
        document["status"] = status;
        document["reason"] = reason;
        document["updatedAt"] = now;
        document["heldUntil"] = heldUntil is { } until ? Instants.Format(until) : null;
        if (to is not null)
        {
            document["to"] = to;
        }
        if (sentAt is not null)
        {
            document["attempts"] = (document["attempts"]?.GetValue<int>() ?? 0) + 1;
        }
        if (status == NotificationStatuses.Delivered)
        {
            document["deliveredAt"] = now;
        }
        return await store.UpsertAsync(Container, Write(customerId, deliveryId, DeliveryType, document), cancellationToken);
    }

    /// <summary>The inbox message's id for a delivery: <c>inb_</c> and the delivery id's digits.</summary>
    public static string InboxId(string deliveryId) => "inb_" + deliveryId[4..];

    /// <summary>Puts a message in the customer's inbox (once per delivery id).</summary>
    public async ValueTask AddToInboxAsync(NotificationMessage message, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await EnsureIndexesAsync(cancellationToken);
        var id = InboxId(message.DeliveryId);
        var document = new JsonObject
        {
            ["id"] = id,
            ["deliveryId"] = message.DeliveryId,
            ["type"] = InboxType,
            ["customer"] = message.CustomerId,
            ["topic"] = message.Topic,
            ["trigger"] = message.Trigger,
            ["subject"] = message.Subject,
            ["body"] = message.Body,
            ["read"] = false,
            ["readAt"] = null,
            ["createdAt"] = Instants.Format(at),
        };
        try
        {
            await store.CreateAsync(Container, Write(message.CustomerId, id, InboxType, document), cancellationToken);
        }
        catch (DocumentExistsException)
        {
            // Put there by an earlier attempt whose log write was lost: the inbox holds it once.
        }
    }

    /// <summary>A customer's inbox or delivery log, newest first.</summary>
    public async ValueTask<DocumentPage> ListAsync(
        string type,
        string customerId,
        bool unreadOnly,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    )
    {
        await EnsureIndexesAsync(cancellationToken);
        return await store.QueryAsync(
            Container,
            new DocumentQuery
            {
                Type = type,
                PartitionKey = customerId,
                Filter = unreadOnly ? new Comparison(FieldPath.Parse("read"), ComparisonOperator.Eq, ScalarValue.From(false)) : null,
                Sort = [new SortField(FieldPath.Parse("createdAt"), Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );
    }

    /// <summary>Marks an inbox message read (kept read when it already is).</summary>
    public async ValueTask<StoredDocument> MarkReadAsync(
        string customerId,
        string messageId,
        DateTimeOffset at,
        CancellationToken cancellationToken
    )
    {
        var existing = await store.ReadAsync(Container, new DocumentKey(customerId, messageId), cancellationToken);
        if (existing?.Type != InboxType)
        {
            throw new NotFoundException("Inbox message", messageId);
        }
        var document = JsonNode.Parse(existing.Json.Span)!.AsObject();
        if (document["read"]?.GetValue<bool>() == true)
        {
            return existing;
        }
        document["read"] = true;
        document["readAt"] = Instants.Format(at);
        return await store.ReplaceAsync(Container, Write(customerId, messageId, InboxType, document), existing.ETag, cancellationToken);
    }

    private static DocumentWrite Write(string customerId, string id, string type, JsonObject document) =>
        new(id, customerId, type, JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions));
}
