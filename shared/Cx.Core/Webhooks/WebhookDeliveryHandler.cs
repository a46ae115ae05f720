using System.Globalization;
using Cx.Core.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Webhooks;

/// <summary>
/// Sends the deliveries of the <c>webhooks</c> queue: signs the payload with every active secret of
/// the subscription (Standard Webhooks headers), POSTs it, records the attempt in the delivery
/// log, and answers the queue: done on 2xx, retry on anything else by the schedule of
/// <see cref="Schedule"/> (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), failed
/// after the last. A subscription that has kept failing for
/// <see cref="WebhookOptions.DisableAfterFailingDays"/> days without a success is disabled with a
/// notice; deliveries of a disabled or deleted subscription are logged as skipped (replayable).
/// </summary>
public sealed partial class WebhookDeliveryHandler(
    WebhookRegistry registry,
    WebhookDeliveryLog log,
    IWebhookTransport transport,
    IWebhookSigner signer,
    IWebhookSecretProtector protector,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDeliveryHandler> logger
) : IQueueHandler
{
    /// <summary>The waits after each failed attempt: 8 attempts over about 27.6 hours.</summary>
    public static QueueRetryPolicy Schedule { get; } =
        new([
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(2),
            TimeSpan.FromHours(5),
            TimeSpan.FromHours(10),
            TimeSpan.FromHours(10),
        ]);

    public string Queue => WebhookOptions.Queue;

    public QueueRetryPolicy RetryPolicy => Schedule;

    public async ValueTask<QueueOutcome> HandleAsync(QueueDelivery delivery, CancellationToken cancellationToken)
    {
        var message = WebhookMessage.Parse(delivery.Body);
        var subscriptionKey = delivery.PartitionKey;
        var now = time.GetUtcNow();
        var subscription = await registry.FindAsync(subscriptionKey, cancellationToken);
        if (subscription is null || !subscription.Enabled)
        {
            var why = subscription is null ? "the subscription was deleted" : "the subscription is disabled";
            await log.RecordAttemptAsync(
                subscriptionKey,
                delivery.MessageId,
                message,
                delivery.Attempt,
                now,
                null,
                new WebhookResponse(0, null, "skipped: " + why, TimeSpan.Zero),
                "skipped",
                null,
                cancellationToken
            );
            return QueueOutcome.Complete;
        }

        var timestamp = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var signatures = string.Join(
            ' ',
            WebhookRegistry
                .SigningSecrets(subscription, now)
                .Select(s =>
                    signer.Sign(s.Protected is { } p ? protector.Unprotect(p) : s.Value!, message.WebhookId, timestamp, message.Payload)
                )
        );
        var request = new WebhookRequest(
            subscription.Url,
            [
                new("webhook-id", message.WebhookId),
                new("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
                new("webhook-signature", signatures),
                new("content-type", "application/json"),
            ],
            System.Text.Encoding.UTF8.GetBytes(message.Payload)
        );
        var response = await transport.SendAsync(request, cancellationToken);
        if (response.Succeeded)
        {
            await log.RecordAttemptAsync(
                subscriptionKey,
                delivery.MessageId,
                message,
                delivery.Attempt,
                time.GetUtcNow(),
                request,
                response,
                "succeeded",
                null,
                cancellationToken
            );
            if (await log.FailingSinceAsync(subscriptionKey, cancellationToken) is not null)
            {
                await log.SetFailingSinceAsync(subscriptionKey, null, cancellationToken);
            }
            return QueueOutcome.Complete;
        }

        var delay = Schedule.DelayAfter(delivery.Attempt);
        var wait = delay is { } d && response.RetryAfter is { } asked && asked > d ? asked : delay;
        await log.RecordAttemptAsync(
            subscriptionKey,
            delivery.MessageId,
            message,
            delivery.Attempt,
            time.GetUtcNow(),
            request,
            response,
            wait is null ? "failed" : "pending",
            wait is { } w ? time.GetUtcNow() + w : null,
            cancellationToken
        );
        var failingSince = await log.FailingSinceAsync(subscriptionKey, cancellationToken);
        if (failingSince is null)
        {
            await log.SetFailingSinceAsync(subscriptionKey, now, cancellationToken);
        }
        else if (now - failingSince.Value >= TimeSpan.FromDays(options.Value.DisableAfterFailingDays))
        {
            var notice =
                $"Disabled by Cx on {Common.Instants.Format(now)}: every delivery has failed since {Common.Instants.Format(failingSince.Value)} "
                + $"(last answer: {(response.StatusCode == 0 ? response.Error : response.StatusCode.ToString(CultureInfo.InvariantCulture))}). "
                + "Fix the receiver, enable the subscription again and replay the deliveries since that date.";
            await registry.DisableAsync(subscriptionKey, notice, cancellationToken);
        }
        LogFailed(logger, subscriptionKey, delivery.MessageId, delivery.Attempt, response.StatusCode, response.Error);
        var reason = response.StatusCode == 0 ? response.Error ?? "no answer" : $"HTTP {response.StatusCode}";
        return wait is { } retry
            ? QueueOutcome.RetryAfterDelay(retry, reason)
            : QueueOutcome.DeadLetter($"Gave up after {delivery.Attempt} attempts: {reason}");
    }

    [LoggerMessage(
        EventId = 4431,
        Level = LogLevel.Information,
        Message = "Webhook delivery {DeliveryId} to {Subscription} failed on attempt {Attempt}: {Status} {Error}"
    )]
    private static partial void LogFailed(ILogger logger, string subscription, string deliveryId, int attempt, int status, string? error);
}
