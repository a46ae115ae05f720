using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Queues;
using Cx.Core.Rules;

namespace Cx.Core.Notifications;

/// <summary>
/// Digests (ADR 0461): a trigger with a <see cref="NotificationTrigger.Digest"/> collects what it would
/// have sent. The first item for a key (the trigger, the customer and the digest's keys) opens a
/// digest that collects for the period; a flush work item, due when the period ends, renders ONE
/// message with every collected item and sends it through <see cref="NotificationService.SendAsync"/>,
/// where preferences, quiet hours and caps are checked at send time. Everything lives in the store
/// and the queue, so a digest survives a restart: the open digest (<c>dgo_</c>) and the items
/// (<c>dgi_</c>, id = a hash of the trigger and the cause, so a redelivered change is collected once)
/// are documents of the <c>notifications</c> container in the customer's partition; the flush is a
/// queue message with a due time (a scheduled message on Service Bus) and its own partition key, so
/// it never holds back the customer's other work.
/// </summary>
public sealed class NotificationDigests(IDocumentStore store, IWorkQueue queue, TimeProvider time)
{
    public const string OpenType = "notificationDigest";

    public const string ItemType = "notificationDigestItem";

    /// <summary>The most items one digest lists (the rest stay collected and are counted in <c>digest.count</c>).</summary>
    public const int MaxItems = 500;

    /// <summary>How long after the period ends the flush runs: an item handled at the last instant is written by then.</summary>
    public static readonly TimeSpan FlushGrace = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MinPeriod = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(31);

    private static readonly FieldPath[] IndexedFields = [FieldPath.Parse("digest"), FieldPath.Parse("position")];
    private int _indexed;

    /// <summary>Collects a fired trigger's item into the open digest of its key (opening one); false when the cause was collected before.</summary>
    public async ValueTask<bool> CollectAsync(CompiledTrigger compiled, NotificationWorkItem item, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _indexed) == 0)
        {
            await store.EnsureIndexesAsync(NotificationLog.Container, ItemType, IndexedFields, cancellationToken);
            Volatile.Write(ref _indexed, 1);
        }
        var trigger = compiled.Trigger;
        var keys = KeyValues(trigger.Digest!, item);
        var itemId = "dgi_" + Hash(item.IdempotencyKey);
        if (await store.ReadAsync(NotificationLog.Container, new DocumentKey(item.CustomerId, itemId), cancellationToken) is not null)
        {
            return false; // a redelivered change: collected once
        }
        var group = trigger.Key + "\n" + item.CustomerId + "\n" + string.Join("\n", keys.Select(k => k.Key + "=" + k.Value));
        var openId = "dgo_" + Hash(group);
        var now = time.GetUtcNow();
        var open = await store.ReadAsync(NotificationLog.Container, new DocumentKey(item.CustomerId, openId), cancellationToken);
        string? digestId = null;
        JsonObject? openDocument = null;
        if (open is not null)
        {
            openDocument = JsonNode.Parse(open.Json.Span)!.AsObject();
            if (Instants.TryParse(openDocument["until"]!.GetValue<string>(), out var until) && now < until)
            {
                digestId = openDocument["digest"]!.GetValue<string>();
            }
        }
        if (digestId is null)
        {
            var until = now + compiled.DigestPeriod;
            digestId = "dgs_" + Hash(group + "@" + now.UtcTicks.ToString(CultureInfo.InvariantCulture));
            var keyObject = new JsonObject();
            foreach (var (key, value) in keys)
            {
                keyObject[key] = value;
            }
            // The flush first: a crash before the open digest is written leaves a flush that finds no items.
            var flush = new NotificationWorkItem
            {
                Trigger = trigger.Key,
                CauseId = "digest:" + digestId,
                CustomerId = item.CustomerId,
                Digest = new NotificationDigestFlush
                {
                    Id = digestId,
                    OpenedAt = now,
                    Until = until,
                },
            };
            await queue.EnqueueAsync(
                NotificationOptions.Queue,
                [flush.ToQueueMessage(until + FlushGrace) with { PartitionKey = digestId }],
                cancellationToken
            );
            openDocument = new JsonObject
            {
                ["id"] = openId,
                ["type"] = OpenType,
                ["customer"] = item.CustomerId,
                ["trigger"] = trigger.Key,
                ["digest"] = digestId,
                ["keys"] = keyObject,
                ["openedAt"] = Instants.Format(now),
                ["until"] = Instants.Format(until),
                ["collected"] = 0L,
            };
        }
        // The item's place in the digest: a customer's work items are handled one at a time, in order.
        var position = (openDocument!["collected"]?.GetValue<long>() ?? 0) + 1;
        openDocument["collected"] = position;
        await store.UpsertAsync(NotificationLog.Container, Write(item.CustomerId, openId, OpenType, openDocument), cancellationToken);
        var keysObject = new JsonObject();
        foreach (var (key, value) in keys)
        {
            keysObject[key] = value;
        }
        var itemDocument = new JsonObject
        {
            ["id"] = itemId,
            ["type"] = ItemType,
            ["customer"] = item.CustomerId,
            ["trigger"] = trigger.Key,
            ["digest"] = digestId,
            ["cause"] = item.CauseId,
            ["keys"] = keysObject,
            ["collectedAt"] = Instants.Format(now),
            ["position"] = position,
            ["document"] = item.Document?.DeepClone(),
            ["event"] = item.Event?.DeepClone(),
            ["segment"] = item.Segment,
        };
        try
        {
            await store.CreateAsync(NotificationLog.Container, Write(item.CustomerId, itemId, ItemType, itemDocument), cancellationToken);
            return true;
        }
        catch (DocumentExistsException)
        {
            return false;
        }
    }

    /// <summary>The items a digest collected, oldest first (at most <see cref="MaxItems"/>), and how many there are.</summary>
    public async ValueTask<(IReadOnlyList<JsonElement> Items, long Count)> ItemsAsync(
        string customerId,
        string digestId,
        CancellationToken cancellationToken
    )
    {
        var filter = new Comparison(FieldPath.Parse("digest"), ComparisonOperator.Eq, ScalarValue.From(digestId));
        var items = new List<JsonElement>();
        Keyset? after = null;
        while (items.Count < MaxItems)
        {
            var page = await store.QueryAsync(
                NotificationLog.Container,
                new DocumentQuery
                {
                    Type = ItemType,
                    PartitionKey = customerId,
                    Filter = filter,
                    Sort = [new SortField(FieldPath.Parse("position"))],
                    Limit = Math.Min(100, MaxItems - items.Count),
                    After = after,
                },
                cancellationToken
            );
            foreach (var document in page.Items)
            {
                using var parsed = JsonDocument.Parse(document.Json);
                items.Add(parsed.RootElement.Clone());
            }
            if (page.Next is null || page.Items.Count == 0)
            {
                break;
            }
            after = page.Next;
        }
        var count = items.Count < MaxItems ? items.Count : await CountAsync(customerId, filter, cancellationToken);
        return (items, count);
    }

    private async ValueTask<long> CountAsync(string customerId, Condition filter, CancellationToken cancellationToken)
    {
        var customer = new Comparison(FieldPath.Parse("customer"), ComparisonOperator.Eq, ScalarValue.From(customerId));
        return await store.CountAsync(
            NotificationLog.Container,
            ItemType,
            new AllOf(new EquatableArray<Condition>([customer, filter])),
            cancellationToken
        );
    }

    /// <summary>The template model of a digest message: <c>customer</c>, <c>trigger</c> and <c>digest</c>.</summary>
    public static Dictionary<string, object?> Model(
        NotificationWorkItem flush,
        JsonElement profile,
        IReadOnlyList<JsonElement> items,
        long count
    )
    {
        var digest = flush.Digest!;
        var keys = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (items.Count > 0 && items[0].TryGetProperty("keys", out var first) && first.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in first.EnumerateObject())
            {
                keys[property.Name] = NotificationTemplates.ToModel(property.Value);
            }
        }
        var list = new List<object?>(items.Count);
        foreach (var item in items)
        {
            var entry = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["cause"] = item.GetProperty("cause").GetString(),
                ["collectedAt"] = item.GetProperty("collectedAt").GetString(),
            };
            foreach (var name in new[] { "document", "event", "segment" })
            {
                if (item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
                {
                    entry[name] = NotificationTemplates.ToModel(value);
                }
            }
            list.Add(entry);
        }
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["customer"] = NotificationTemplates.ToModel(profile),
            ["trigger"] = flush.Trigger,
            ["digest"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = digest.Id,
                ["count"] = (decimal)count,
                ["openedAt"] = Instants.Format(digest.OpenedAt),
                ["until"] = Instants.Format(digest.Until),
                ["keys"] = keys,
                ["items"] = list,
            },
        };
    }

    /// <summary>
    /// The model of a single fired item wrapped as a digest of one (save-time checks, preview, dry run):
    /// its <c>document</c>, <c>event</c> or <c>segment</c> move into <c>digest.items[0]</c>.
    /// </summary>
    public static Dictionary<string, object?> SingleItemModel(
        Dictionary<string, object?> model,
        NotificationDigest digest,
        DateTimeOffset now
    )
    {
        var entry = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["cause"] = "sample",
            ["collectedAt"] = Instants.Format(now),
        };
        var keys = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var name in new[] { "document", "event", "segment" })
        {
            if (model.Remove(name, out var value))
            {
                entry[name] = value;
            }
        }
        foreach (var key in digest.Keys)
        {
            keys[key] = Lookup(entry, key) ?? "sample";
        }
        var period = IsoDuration.TryParse(digest.Period, out var span) ? span : TimeSpan.Zero;
        model["digest"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = "sample",
            ["count"] = 1m,
            ["openedAt"] = Instants.Format(now),
            ["until"] = Instants.Format(now + period),
            ["keys"] = keys,
            ["items"] = new List<object?> { entry },
        };
        return model;
    }

    private static object? Lookup(Dictionary<string, object?> entry, string key)
    {
        object? current = entry;
        foreach (var part in key.Split('.'))
        {
            if (current is IDictionary<string, object?> map && map.TryGetValue(part, out var next))
            {
                current = next;
            }
            else
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>The values of the digest's keys for an item (a missing field reads as null).</summary>
    public static List<KeyValuePair<string, string?>> KeyValues(NotificationDigest digest, NotificationWorkItem item)
    {
        var values = new List<KeyValuePair<string, string?>>(digest.Keys.Count);
        foreach (var key in digest.Keys.Distinct().Order(StringComparer.Ordinal))
        {
            JsonNode? node = null;
            string? text = null;
            if (key == "segment")
            {
                text = item.Segment;
            }
            else if (key.StartsWith("document.", StringComparison.Ordinal))
            {
                node = item.Document?[key["document.".Length..]];
            }
            else if (key == "event.type")
            {
                node = item.Event?["type"];
            }
            else if (key.StartsWith("event.properties.", StringComparison.Ordinal))
            {
                node = item.Event?["properties"]?[key["event.properties.".Length..]];
            }
            if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
            {
                text = value.GetValue<string>();
            }
            else if (node is not null)
            {
                text = node.ToJsonString();
            }
            values.Add(new(key, text));
        }
        return values;
    }

    /// <summary>Checks a trigger's digest; each problem with its JSON Pointer under <c>/digest</c>.</summary>
    public static void Validate(
        NotificationDigest digest,
        TriggerSource? on,
        IReadOnlyCollection<string>? documentFields,
        List<FieldError> errors
    )
    {
        if (!IsoDuration.TryParse(digest.Period, out var period) || period < MinPeriod || period > MaxPeriod)
        {
            errors.Add(new("/digest/period", "duration", "Must be an ISO 8601 duration from PT1S to P31D (PT1H, P1D)."));
        }
        if (digest.Keys.Count > 5)
        {
            errors.Add(new("/digest/keys", "max-items", "At most 5 keys."));
        }
        for (var i = 0; i < digest.Keys.Count; i++)
        {
            var key = digest.Keys[i] ?? "";
            var pointer = $"/digest/keys/{i}";
            if (digest.Keys.Take(i).Contains(key))
            {
                errors.Add(new(pointer, "duplicate", $"'{key}' is listed twice."));
                continue;
            }
            var valid = on?.Kind switch
            {
                TriggerKinds.Content => key.StartsWith("document.", StringComparison.Ordinal)
                    && (documentFields is null || documentFields.Contains(key["document.".Length..])),
                TriggerKinds.Event => key == "event.type"
                    || (
                        key.StartsWith("event.properties.", StringComparison.Ordinal)
                        && key.Length > "event.properties.".Length
                        && key.Length <= 200
                    ),
                TriggerKinds.Segment => key == "segment",
                _ => true, // the source's own error is reported
            };
            if (!valid)
            {
                errors.Add(
                    new(
                        pointer,
                        "digest-key",
                        on?.Kind switch
                        {
                            TriggerKinds.Content =>
                                $"Must be document.<a top-level field of '{on.ContentType}'> (the customer and the trigger are always keys).",
                            TriggerKinds.Event =>
                                "Must be event.type or event.properties.<name> (the customer and the trigger are always keys).",
                            _ => "Must be segment (the customer and the trigger are always keys).",
                        }
                    )
                );
            }
        }
    }

    private static string Hash(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    private static DocumentWrite Write(string customerId, string id, string type, JsonObject document) =>
        new(id, customerId, type, JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions));
}

/// <summary>The flush of a digest: its id and period (on the flush work item).</summary>
public sealed record NotificationDigestFlush
{
    public required string Id { get; init; }

    public DateTimeOffset OpenedAt { get; init; }

    public DateTimeOffset Until { get; init; }
}

/// <summary>What a digest message carries into the delivery log: the digest's id and the causes it lists.</summary>
public sealed record NotificationDigestSummary
{
    public required string Id { get; init; }

    public long Count { get; init; }

    public EquatableArray<string> Items { get; init; }
}
