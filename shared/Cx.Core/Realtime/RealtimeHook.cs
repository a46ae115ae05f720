using System.Buffers;
using System.Text.Json;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Microsoft.Extensions.Options;

namespace Cx.Core.Realtime;

/// <summary>
/// The lifecycle hook behind live updates: each change of a customer document, a content entry,
/// a segment membership or a customer's inbox message becomes one publication per channel it belongs to (a ticket also reaches
/// its customer's channel), appended to the durable channel log first (which gives it its offset,
/// idempotently: a redelivered change gets the publication it already had) and then sent. A
/// publication carries the after-state as the API serves it (null for a delete); who may read it
/// is decided when a connection subscribes (<see cref="RealtimeService"/>). Old publications are
/// pruned here, at most once per <see cref="PruneEvery"/>.
/// </summary>
public sealed class RealtimeHook(IChannelLog log, IRealtimePublisher publisher, TimeProvider time, IOptions<RealtimeOptions> options)
    : IChangeHook
{
    public const string HookName = "realtime";

    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);
    private DateTimeOffset _nextPrune;

    public string Name => HookName;

    public bool Wants(ChangeRecord change) =>
        change.Container is Containers.Customers or Containers.Content or Containers.Memberships
        || (change.Container == Containers.Notifications && change.Type == Notifications.NotificationLog.InboxType);

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        var appends = new List<ChannelAppend>();
        foreach (var change in changes)
        {
            var channels = RealtimeChannel.Of(change).Select(c => c.Name).ToList();
            if (change.Container == Containers.Content && change.Type == RealtimeChannel.TicketType)
            {
                if (TicketCustomer(change) is { } customer && RealtimeChannel.TryParse("customer:" + customer) is { } channel)
                {
                    channels.Add(channel.Name);
                }
            }
            if (channels.Count == 0)
            {
                continue;
            }
            var body = Body(change);
            var key = string.Join('\n', change.Container, change.PartitionKey, change.Id, change.ETag, change.Kind);
            foreach (var channel in channels)
            {
                appends.Add(new ChannelAppend(channel, key, change.CommittedAt, body));
            }
        }
        if (appends.Count > 0)
        {
            var publications = await log.AppendAsync(appends, cancellationToken);
            await publisher.PublishAsync(publications, cancellationToken);
        }
        var now = time.GetUtcNow();
        if (now >= _nextPrune)
        {
            _nextPrune = now + PruneEvery;
            await log.PruneAsync(now - TimeSpan.FromMinutes(options.Value.RetentionMinutes), cancellationToken);
        }
    }

    /// <summary>kind (upsert or delete), type, id, etag and data (the after-state, null for a delete).</summary>
    private static byte[] Body(ChangeRecord change)
    {
        var buffer = new ArrayBufferWriter<byte>((change.After?.Length ?? 0) + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", change.Kind == ChangeKind.Delete ? "delete" : "upsert");
            writer.WriteString("type", change.Type);
            writer.WriteString("id", change.Id);
            writer.WriteString("etag", change.ETag);
            writer.WritePropertyName("data");
            if (change.Kind != ChangeKind.Delete && change.After is { } after)
            {
                writer.WriteRawValue(after.Span, skipInputValidation: false);
            }
            else
            {
                writer.WriteNullValue();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static string? TicketCustomer(ChangeRecord change)
    {
        if ((change.After ?? change.Before) is not { } json)
        {
            return null;
        }
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("customer", out var customer) && customer.ValueKind == JsonValueKind.String
            ? customer.GetString()
            : null;
    }
}
