using System.Globalization;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Queues;

namespace Cx.Core.Webhooks;

/// <summary>
/// The delivery log for admins: list a subscription's deliveries, read one with its attempts,
/// and replay one delivery or every delivery since a date that did not succeed. A replay is a new
/// delivery (new id, new log entry, back of the subscription's queue) of the same Standard
/// Webhooks message: the same <c>webhook-id</c> and payload, signed afresh.
/// </summary>
public sealed class WebhookService(WebhookRegistry registry, WebhookDeliveryLog log, IWorkQueue queue, TimeProvider time)
{
    /// <summary>Most deliveries one replay-since request enqueues.</summary>
    public const int MaxReplay = 10_000;

    public async ValueTask<DocumentPage> ListDeliveriesAsync(
        string subscription,
        DateTimeOffset? since,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    )
    {
        await registry.GetAsync(subscription, cancellationToken); // 404 for an unknown subscription
        return await log.ListAsync(subscription, since, limit, after, cancellationToken);
    }

    public async ValueTask<StoredDocument> GetDeliveryAsync(string subscription, string deliveryId, CancellationToken cancellationToken) =>
        await log.ReadAsync(subscription, deliveryId, cancellationToken) ?? throw new NotFoundException("Webhook delivery", deliveryId);

    /// <summary>Enqueues the delivery again; returns the new delivery's id.</summary>
    public async ValueTask<string> ReplayAsync(string subscription, string deliveryId, CancellationToken cancellationToken)
    {
        await registry.GetAsync(subscription, cancellationToken);
        var document = await GetDeliveryAsync(subscription, deliveryId, cancellationToken);
        var id = ReplayId(deliveryId);
        await queue.EnqueueAsync(
            WebhookOptions.Queue,
            [new QueueMessage(id, subscription, MessageOf(document).ToBytes())],
            cancellationToken
        );
        return id;
    }

    /// <summary>
    /// Enqueues again, oldest first, every delivery created since <paramref name="since"/> whose
    /// status is <c>failed</c> or <c>skipped</c> (at most <see cref="MaxReplay"/>); returns how many.
    /// </summary>
    public async ValueTask<int> ReplaySinceAsync(string subscription, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await registry.GetAsync(subscription, cancellationToken);
        var found = new List<StoredDocument>();
        Keyset? after = null;
        do
        {
            var page = await log.ListAsync(subscription, since, 500, after, cancellationToken);
            foreach (var document in page.Items)
            {
                using var parsed = JsonDocument.Parse(document.Json);
                if (parsed.RootElement.GetProperty("status").GetString() is "failed" or "skipped")
                {
                    found.Add(document);
                }
            }
            after = page.Next;
        } while (after is not null && found.Count < MaxReplay);
        found.Reverse(); // the log lists newest first: replay in the original order
        var messages = found.Take(MaxReplay).Select(d => new QueueMessage(ReplayId(d.Id), subscription, MessageOf(d).ToBytes())).ToList();
        foreach (var chunk in messages.Chunk(500))
        {
            await queue.EnqueueAsync(WebhookOptions.Queue, chunk, cancellationToken);
        }
        return messages.Count;
    }

    /// <summary>
    /// Enqueues again, oldest first, the subscription's messages that the queue dead-lettered (gave
    /// up on after the last attempt of the schedule), each as a new delivery of the same message;
    /// returns how many. The dead letters stay listed by the queue; calling again sends them again.
    /// </summary>
    public async ValueTask<int> ReplayDeadLettersAsync(string subscription, CancellationToken cancellationToken)
    {
        await registry.GetAsync(subscription, cancellationToken);
        var letters = await queue.ListDeadLettersAsync(WebhookOptions.Queue, MaxReplay, cancellationToken);
        var messages = letters
            .Where(l => l.PartitionKey == subscription)
            .Reverse() // listed newest first: replay in the original order
            .Select(l => new QueueMessage(ReplayId(l.MessageId), subscription, l.Body))
            .ToList();
        foreach (var chunk in messages.Chunk(500))
        {
            await queue.EnqueueAsync(WebhookOptions.Queue, chunk, cancellationToken);
        }
        return messages.Count;
    }

    private string ReplayId(string deliveryId)
    {
        var original = deliveryId.Split(".r", 2)[0];
        return original
            + ".r"
            + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)
            + Guid.NewGuid().ToString("n")[..6];
    }

    private static WebhookMessage MessageOf(StoredDocument document)
    {
        using var parsed = JsonDocument.Parse(document.Json);
        var root = parsed.RootElement;
        return new WebhookMessage(
            root.GetProperty("webhookId").GetString()!,
            root.GetProperty("eventType").GetString()!,
            root.GetProperty("payload").GetString()!
        );
    }
}
