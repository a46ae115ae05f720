using System.Text;
using System.Text.Json;

namespace Cx.Core.Webhooks;

/// <summary>
/// The body of a delivery on the work queue: the Standard Webhooks message id (kept by replays, so
/// receivers can drop what they already applied), the event type and the exact payload text that
/// is signed and sent. The queue message id is the delivery id; its partition key the subscription.
/// </summary>
public sealed record WebhookMessage(string WebhookId, string EventType, string Payload)
{
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("webhookId", WebhookId);
            writer.WriteString("eventType", EventType);
            writer.WriteString("payload", Payload);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static WebhookMessage Parse(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        return new WebhookMessage(
            root.GetProperty("webhookId").GetString()!,
            root.GetProperty("eventType").GetString()!,
            root.GetProperty("payload").GetString()!
        );
    }

    public static WebhookMessage FromPayload(string webhookId, string eventType, byte[] payload) =>
        new(webhookId, eventType, Encoding.UTF8.GetString(payload));
}
