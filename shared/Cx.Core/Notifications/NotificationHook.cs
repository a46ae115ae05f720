using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Queues;
using Cx.Core.Webhooks;

namespace Cx.Core.Notifications;

/// <summary>
/// The lifecycle hook behind content triggers: for each content change a trigger watches (an entry
/// created; a field becoming a value), one work item on the <c>notifications</c> queue, keyed by the
/// customer (their messages stay in order; a Service Bus session per customer) and identified by
/// trigger and change (a change handed over again is dropped by the queue, and the delivery log
/// sends it once even after the queue forgot it). The send happens later, after the trigger's
/// delay, in <see cref="NotificationWorkHandler"/>.
/// </summary>
public sealed class NotificationHook(NotificationTriggerRegistry registry, IWorkQueue queue, TimeProvider time) : IChangeHook
{
    public const string HookName = "notifications";

    public string Name => HookName;

    public bool Wants(ChangeRecord change) => change.Container == Containers.Content && change.Kind != ChangeKind.Delete;

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        var triggers = (await registry.GetEnabledAsync(cancellationToken)).Where(t => t.Trigger.On.Kind == TriggerKinds.Content).ToList();
        if (triggers.Count == 0)
        {
            return;
        }
        var messages = new List<QueueMessage>();
        var now = time.GetUtcNow();
        foreach (var change in changes)
        {
            if (change.After is not { } after)
            {
                continue;
            }
            string? eventType = null;
            foreach (var compiled in triggers)
            {
                var on = compiled.Trigger.On;
                if (on.ContentType != change.Type)
                {
                    continue;
                }
                eventType ??= WebhookEvents.EventType(change);
                if (!Fires(on, eventType, change))
                {
                    continue;
                }
                using var document = JsonDocument.Parse(after);
                if (!document.RootElement.TryGetProperty("customer", out var customer) || customer.ValueKind != JsonValueKind.String)
                {
                    continue;
                }
                var changeId = $"{change.Container}/{change.PartitionKey}/{change.Id}@{change.ETag}";
                var item = new NotificationWorkItem
                {
                    Trigger = compiled.Trigger.Key,
                    CauseId = changeId,
                    CustomerId = customer.GetString()!,
                    Document = JsonNode.Parse(after.Span),
                };
                messages.Add(item.ToQueueMessage(compiled.Delay > TimeSpan.Zero ? now + compiled.Delay : null));
            }
        }
        if (messages.Count > 0)
        {
            await queue.EnqueueAsync(NotificationOptions.Queue, messages, cancellationToken);
        }
    }

    /// <summary>
    /// Whether a content trigger fires for a change: <c>created</c> on a creation; <c>updated</c> on an
    /// update, and with a field, only when the field now has the value and had another before (a store
    /// that keeps no earlier body, the Cosmos DB change feed, fires on every update that has the value).
    /// </summary>
    public static bool Fires(TriggerSource on, string eventType, ChangeRecord change)
    {
        var kind = eventType[(eventType.LastIndexOf('.') + 1)..];
        if (on.Change == "created")
        {
            return kind == "created";
        }
        if (kind != "updated")
        {
            return false;
        }
        if (on.Field is null)
        {
            return true;
        }
        return FieldIs(change.After, on.Field, on.Becomes) && !(change.Before is { } before && FieldIs(before, on.Field, on.Becomes));
    }

    private static bool FieldIs(ReadOnlyMemory<byte>? json, string field, string? value)
    {
        if (json is not { } body)
        {
            return false;
        }
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty(field, out var current)
            && current.ValueKind switch
            {
                JsonValueKind.String => current.GetString() == value,
                JsonValueKind.True => value == "true",
                JsonValueKind.False => value == "false",
                JsonValueKind.Number => current.GetRawText() == value,
                _ => false,
            };
    }
}

/// <summary>A unit of notification work: which trigger fired for which customer, on what cause, with the data to render.</summary>
public sealed record NotificationWorkItem
{
    public required string Trigger { get; init; }

    /// <summary>The change (<c>container/pk/id@etag</c>) or event (<c>event:{id}</c>) that fired it.</summary>
    public required string CauseId { get; init; }

    public required string CustomerId { get; init; }

    /// <summary>content triggers: the entry as changed.</summary>
    public JsonNode? Document { get; init; }

    /// <summary>event and segment triggers: the event.</summary>
    public JsonNode? Event { get; init; }

    public string? Segment { get; init; }

    /// <summary>A digest's flush (ADR 0461): due when its period ends, it sends one message with the collected items.</summary>
    public NotificationDigestFlush? Digest { get; init; }

    /// <summary>A rendered message held by quiet hours: sent as it is when the item is due.</summary>
    public NotificationMessage? Held { get; init; }

    /// <summary>The idempotency key of the sends this item makes (with each channel: the delivery ids).</summary>
    public string IdempotencyKey => Trigger + "|" + CauseId;

    public QueueMessage ToQueueMessage(DateTimeOffset? notBefore)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(IdempotencyKey), hash);
        var body = JsonSerializer.SerializeToUtf8Bytes(this, CxJson.SerializerOptions);
        return new QueueMessage("ntw_" + Convert.ToHexStringLower(hash[..16]), CustomerId, body, notBefore);
    }

    public static NotificationWorkItem Parse(ReadOnlyMemory<byte> body) =>
        JsonSerializer.Deserialize<NotificationWorkItem>(body.Span, CxJson.SerializerOptions)
        ?? throw new JsonException("An empty notification work item.");
}
