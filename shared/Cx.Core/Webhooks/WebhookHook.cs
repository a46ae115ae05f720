using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Queues;

namespace Cx.Core.Webhooks;

/// <summary>
/// The lifecycle hook behind outbound webhooks: for each change of a customer document or content
/// entry, one queue message per enabled subscription that wants its event type, keyed by the
/// subscription (deliveries stay in order per subscription) and identified by a stable id (a
/// change the dispatcher hands over again is dropped by the queue). The HTTP work happens later,
/// in <see cref="WebhookDeliveryHandler"/>; this hook only enqueues, in one durable batch.
/// </summary>
public sealed class WebhookHook(WebhookRegistry registry, IWorkQueue queue, TimeProvider time) : IChangeHook
{
    public const string HookName = "webhooks";

    public string Name => HookName;

    public bool Wants(ChangeRecord change) => WebhookEvents.IsEventContainer(change.Container);

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        var subscriptions = await registry.GetTargetsAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (subscriptions.Count == 0)
        {
            return;
        }
        var messages = new List<QueueMessage>();
        foreach (var change in changes)
        {
            string? eventType = null;
            byte[]? payload = null;
            foreach (var (subscription, filter) in subscriptions)
            {
                eventType ??= WebhookEvents.EventType(change);
                if (!subscription.Wants(eventType) || (filter is not null && !filter.Passes(eventType, change, now)))
                {
                    continue;
                }
                payload ??= WebhookEvents.Payload(eventType, change);
                var webhookId = WebhookEvents.WebhookId(subscription.Key, change);
                var message = WebhookMessage.FromPayload(webhookId, eventType, payload);
                messages.Add(new QueueMessage(webhookId, subscription.Key, message.ToBytes()));
            }
        }
        if (messages.Count > 0)
        {
            await queue.EnqueueAsync(WebhookOptions.Queue, messages, cancellationToken);
        }
    }
}
