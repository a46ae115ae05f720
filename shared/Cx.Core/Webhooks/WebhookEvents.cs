using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Webhooks;

/// <summary>
/// What a store change is as a webhook event: its type (<c>{documentType}.created|updated|deleted</c>),
/// its stable id per subscription, and its payload (Standard Webhooks' <c>{type, timestamp, data}</c>).
/// </summary>
public static class WebhookEvents
{
    /// <summary>Containers whose changes are events: customer documents and content entries.</summary>
    public static bool IsEventContainer(string container) => container is Containers.Customers or Containers.Content;

    /// <summary>
    /// <c>deleted</c> for a delete; for a write <c>created</c> when the store gives no earlier body
    /// and the document's <c>createdAt</c> equals its <c>updatedAt</c> (or it has neither), else
    /// <c>updated</c>. (The Cosmos DB change feed gives no earlier body, so there the timestamps decide.)
    /// </summary>
    public static string EventType(ChangeRecord change)
    {
        if (change.Kind == ChangeKind.Delete)
        {
            return change.Type + ".deleted";
        }
        if (change.Before is not null || change.After is null)
        {
            return change.Type + ".updated";
        }
        using var document = JsonDocument.Parse(change.After.Value);
        var root = document.RootElement;
        var created = root.TryGetProperty("createdAt", out var c) ? c.GetString() : null;
        var updated = root.TryGetProperty("updatedAt", out var u) ? u.GetString() : null;
        return created == updated ? change.Type + ".created" : change.Type + ".updated";
    }

    /// <summary>The event's id for one subscription: the same change always gets the same id (redelivered changes are dropped by the queue).</summary>
    public static string WebhookId(string subscription, ChangeRecord change)
    {
        var key = string.Join('\n', subscription, change.Container, change.PartitionKey, change.Id, change.ETag, change.Kind);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return "msg_" + Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>The payload: <c>{"type","timestamp","data"}</c> with the document (for a delete: its id and type).</summary>
    public static byte[] Payload(string eventType, ChangeRecord change)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", eventType);
            writer.WriteString("timestamp", Instants.Format(change.CommittedAt));
            writer.WritePropertyName("data");
            if (change.After is { } after)
            {
                writer.WriteRawValue(after.Span, skipInputValidation: true);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("id", change.Id);
                writer.WriteString("type", change.Type);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
