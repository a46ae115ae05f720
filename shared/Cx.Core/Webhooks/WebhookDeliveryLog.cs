using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Webhooks;

/// <summary>
/// The delivery log: one document per delivery in the <c>webhook-deliveries</c> container,
/// partitioned by subscription, id = the delivery id. It holds the payload, the status
/// (<c>pending</c> while retrying, <c>succeeded</c>, <c>failed</c> when given up, <c>skipped</c> when
/// the subscription was disabled or deleted) and the last attempts, each with its request (URL and
/// headers) and the receiver's response (status, start of the body, duration) or the error.
/// A second document per subscription (<c>webhookHealth</c>) remembers since when it has been
/// failing, for the auto-disable.
/// </summary>
public sealed class WebhookDeliveryLog(IDocumentStore store)
{
    public const string Container = Containers.WebhookDeliveries;

    public const string DeliveryType = "webhookDelivery";

    public const string HealthType = "webhookHealth";

    /// <summary>Attempts kept per delivery (the newest).</summary>
    public const int MaxAttemptsKept = 10;

    private static readonly FieldPath[] IndexedFields = [FieldPath.Parse("createdAt")];
    private int _indexed;

    private async ValueTask EnsureIndexesAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _indexed) == 0)
        {
            await store.EnsureIndexesAsync(Container, DeliveryType, IndexedFields, cancellationToken);
            Volatile.Write(ref _indexed, 1);
        }
    }

    public async ValueTask<StoredDocument?> ReadAsync(string subscription, string deliveryId, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Container, new DocumentKey(subscription, deliveryId), cancellationToken);
        return document?.Type == DeliveryType ? document : null;
    }

    /// <summary>Records one attempt (and the delivery's new status) on the delivery's document, creating it on the first.</summary>
    public async ValueTask RecordAttemptAsync(
        string subscription,
        string deliveryId,
        WebhookMessage message,
        int attempt,
        DateTimeOffset at,
        WebhookRequest? request,
        WebhookResponse? response,
        string status,
        DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken
    )
    {
        await EnsureIndexesAsync(cancellationToken);
        // A first attempt normally has no document yet: create it without reading first.
        if (attempt == 1)
        {
            try
            {
                await WriteAsync(
                    null,
                    subscription,
                    deliveryId,
                    message,
                    attempt,
                    at,
                    request,
                    response,
                    status,
                    nextAttemptAt,
                    cancellationToken
                );
                return;
            }
            catch (DocumentExistsException)
            {
                // Recorded before (an id enqueued again after the duplicate window): add to it below.
            }
        }
        var existing = await store.ReadAsync(Container, new DocumentKey(subscription, deliveryId), cancellationToken);
        await WriteAsync(
            existing,
            subscription,
            deliveryId,
            message,
            attempt,
            at,
            request,
            response,
            status,
            nextAttemptAt,
            cancellationToken
        );
    }

    private async ValueTask WriteAsync(
        StoredDocument? existing,
        string subscription,
        string deliveryId,
        WebhookMessage message,
        int attempt,
        DateTimeOffset at,
        WebhookRequest? request,
        WebhookResponse? response,
        string status,
        DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken
    )
    {
        var now = Instants.Format(at);
        var document = existing is null
            ? new JsonObject
            {
                ["id"] = deliveryId,
                ["type"] = DeliveryType,
                ["subscription"] = subscription,
                ["webhookId"] = message.WebhookId,
                ["eventType"] = message.EventType,
                ["createdAt"] = now,
                ["payload"] = message.Payload,
                ["attempts"] = new JsonArray(),
            }
            : JsonNode.Parse(existing.Json.Span)!.AsObject();
        document["status"] = status;
        document["updatedAt"] = now;
        document["attemptCount"] = attempt;
        document["nextAttemptAt"] = nextAttemptAt is { } next ? Instants.Format(next) : null;
        var attempts = document["attempts"]!.AsArray();
        var entry = new JsonObject { ["attempt"] = attempt, ["at"] = now };
        if (request is not null)
        {
            var headers = new JsonObject();
            foreach (var (name, value) in request.Headers)
            {
                headers[name] = value;
            }
            entry["request"] = new JsonObject
            {
                ["method"] = "POST",
                ["url"] = request.Url,
                ["headers"] = headers,
            };
        }
        if (response is not null)
        {
            entry["response"] = new JsonObject
            {
                ["status"] = response.StatusCode,
                ["body"] = response.Body,
                ["durationMs"] = Math.Round(response.Duration.TotalMilliseconds, 1),
            };
            if (response.Error is not null)
            {
                entry["error"] = response.Error;
            }
        }
        attempts.Add(entry);
        while (attempts.Count > MaxAttemptsKept)
        {
            attempts.RemoveAt(0);
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions);
        var write = new DocumentWrite(deliveryId, subscription, DeliveryType, json);
        if (existing is null)
        {
            await store.CreateAsync(Container, write, cancellationToken);
            return;
        }
        await store.UpsertAsync(Container, write, cancellationToken);
    }

    /// <summary>A subscription's deliveries, newest first.</summary>
    public async ValueTask<DocumentPage> ListAsync(
        string subscription,
        DateTimeOffset? since,
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
                Type = DeliveryType,
                PartitionKey = subscription,
                Filter = since is { } from
                    ? new Comparison(FieldPath.Parse("createdAt"), ComparisonOperator.Gte, ScalarValue.From(Instants.Format(from)))
                    : null,
                Sort = [new SortField(FieldPath.Parse("createdAt"), Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );
    }

    /// <summary>Since when the subscription has been failing without a success, or null when it is healthy.</summary>
    public async ValueTask<DateTimeOffset?> FailingSinceAsync(string subscription, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Container, new DocumentKey(subscription, HealthId(subscription)), cancellationToken);
        if (document is null)
        {
            return null;
        }
        using var parsed = JsonDocument.Parse(document.Json);
        return
            parsed.RootElement.TryGetProperty("failingSince", out var value)
            && value.ValueKind == JsonValueKind.String
            && Instants.TryParse(value.GetString()!, out var since)
            ? since
            : null;
    }

    /// <summary>Marks the subscription failing since <paramref name="since"/> (kept when already failing), or healthy when null.</summary>
    public async ValueTask SetFailingSinceAsync(string subscription, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new JsonObject
            {
                ["id"] = HealthId(subscription),
                ["type"] = HealthType,
                ["subscription"] = subscription,
                ["failingSince"] = since is { } s ? Instants.Format(s) : null,
            },
            CxJson.SerializerOptions
        );
        await store.UpsertAsync(Container, new DocumentWrite(HealthId(subscription), subscription, HealthType, json), cancellationToken);
    }

    private static string HealthId(string subscription) => "health-" + subscription;
}
