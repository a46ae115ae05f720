using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Cx.Core.Queues;

namespace Cx.Core.Notifications;

/// <summary>
/// Runs the workflow of a fired trigger from the <c>notifications</c> queue: the condition over the
/// customer's profile (the shared rule engine), then for each channel the template for the
/// customer's language, rendered, and one <see cref="NotificationService.SendAsync"/>. A channel
/// whose transport failed is retried on <see cref="Schedule"/> (the channels already sent are not
/// sent again: the delivery log knows them); after the last attempt the item is dead-lettered.
/// </summary>
public sealed class NotificationWorkHandler(
    NotificationTriggerRegistry registry,
    NotificationService service,
    EntryService entries,
    NotificationDigests digests,
    TimeProvider time
) : IQueueHandler
{
    /// <summary>Immediately, then after 5 s, 1 min, 5 min, 30 min and 2 h: six attempts.</summary>
    public static QueueRetryPolicy Schedule { get; } =
        new([TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)]);

    public string Queue => NotificationOptions.Queue;

    public QueueRetryPolicy RetryPolicy => Schedule;

    public async ValueTask<QueueOutcome> HandleAsync(QueueDelivery delivery, CancellationToken cancellationToken)
    {
        var item = NotificationWorkItem.Parse(delivery.Body);
        if (item.Held is { } held)
        {
            // Quiet hours ended: the message was rendered and checked when it was held.
            var sent = await service.SendAsync(held, cancellationToken);
            return sent.ShouldRetry ? QueueOutcome.Retry($"{held.Channel}: {sent.Reason}") : QueueOutcome.Complete;
        }
        var compiled = await registry.FindAsync(item.Trigger, cancellationToken);
        if (compiled is null || !compiled.Trigger.Enabled)
        {
            return QueueOutcome.Complete; // deleted or switched off since it fired
        }
        var trigger = compiled.Trigger;
        JsonElement profile;
        try
        {
            var document = await entries.GetAsync(CustomerProfile.TypeKey, item.CustomerId, cancellationToken);
            using var parsed = JsonDocument.Parse(document.Json);
            profile = parsed.RootElement.Clone();
        }
        catch (NotFoundException)
        {
            await SuppressAllAsync(trigger, item, "missing customer: the profile does not exist", cancellationToken);
            return QueueOutcome.Complete;
        }
        if (!compiled.Matches(profile, item.CustomerId, time.GetUtcNow()))
        {
            await SuppressAllAsync(trigger, item, "condition: the trigger's condition does not hold for the customer", cancellationToken);
            return QueueOutcome.Complete;
        }
        if (item.Digest is { } flush)
        {
            // The digest's period ended: one message with everything it collected.
            var (collected, count) = await digests.ItemsAsync(item.CustomerId, flush.Id, cancellationToken);
            if (collected.Count == 0)
            {
                return QueueOutcome.Complete;
            }
            var summary = new NotificationDigestSummary
            {
                Id = flush.Id,
                Count = count,
                Items = new([.. collected.Select(c => c.GetProperty("cause").GetString()!)]),
            };
            return await RenderAndSendAsync(
                trigger,
                item,
                NotificationDigests.Model(item, profile, collected, count),
                profile,
                summary,
                cancellationToken
            );
        }
        if (trigger.Digest is not null)
        {
            await digests.CollectAsync(compiled, item, cancellationToken);
            return QueueOutcome.Complete;
        }
        return await RenderAndSendAsync(trigger, item, Model(item, profile), profile, null, cancellationToken);
    }

    private async ValueTask<QueueOutcome> RenderAndSendAsync(
        NotificationTrigger trigger,
        NotificationWorkItem item,
        Dictionary<string, object?> model,
        JsonElement profile,
        NotificationDigestSummary? digest,
        CancellationToken cancellationToken
    )
    {
        var language = LanguageOf(profile);
        string? failure = null;
        foreach (var channel in trigger.Channels)
        {
            var template = NotificationTemplates.Select(trigger.Templates, channel, language);
            if (template is null)
            {
                await service.SuppressAsync(
                    Message(trigger, item, channel, null, ""),
                    "no template for the channel",
                    null,
                    cancellationToken
                );
                continue;
            }
            var subject = template.Subject is null ? null : (await NotificationTemplates.RenderAsync(template.Subject, model)).Trim();
            var body = await NotificationTemplates.RenderAsync(template.Body, model);
            var result = await service.SendAsync(
                Message(trigger, item, channel, subject, body) with
                {
                    Digest = digest,
                },
                cancellationToken
            );
            if (result.ShouldRetry)
            {
                failure = $"{channel}: {result.Reason}";
            }
        }
        return failure is null ? QueueOutcome.Complete : QueueOutcome.Retry(failure);
    }

    /// <summary>The customer's language: the profile's <c>preferences.language</c>.</summary>
    public static string? LanguageOf(JsonElement profile) =>
        profile.TryGetProperty("preferences", out var preferences)
        && preferences.ValueKind == JsonValueKind.Object
        && preferences.TryGetProperty("language", out var tag)
        && tag.ValueKind == JsonValueKind.String
            ? tag.GetString()
            : null;

    /// <summary>The template model: customer, document, event, segment and trigger.</summary>
    public static Dictionary<string, object?> Model(NotificationWorkItem item, JsonElement profile)
    {
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["customer"] = NotificationTemplates.ToModel(profile),
            ["trigger"] = item.Trigger,
        };
        if (item.Document is { } document)
        {
            model["document"] = NotificationTemplates.ToModel(JsonSerializer.SerializeToElement(document, CxJson.SerializerOptions));
        }
        if (item.Event is { } e)
        {
            model["event"] = NotificationTemplates.ToModel(JsonSerializer.SerializeToElement(e, CxJson.SerializerOptions));
        }
        if (item.Segment is { } segment)
        {
            model["segment"] = segment;
        }
        return model;
    }

    private async Task SuppressAllAsync(
        NotificationTrigger trigger,
        NotificationWorkItem item,
        string reason,
        CancellationToken cancellationToken
    )
    {
        foreach (var channel in trigger.Channels)
        {
            await service.SuppressAsync(Message(trigger, item, channel, null, ""), reason, null, cancellationToken);
        }
    }

    private static NotificationMessage Message(
        NotificationTrigger trigger,
        NotificationWorkItem item,
        string channel,
        string? subject,
        string body
    ) =>
        new()
        {
            CustomerId = item.CustomerId,
            Channel = channel,
            IdempotencyKey = item.IdempotencyKey,
            Trigger = trigger.Key,
            Topic = trigger.Topic,
            Critical = trigger.Critical,
            Subject = subject,
            Body = body,
        };
}
