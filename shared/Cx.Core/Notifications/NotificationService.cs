using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Notifications;

/// <summary>
/// The one send function: <see cref="SendAsync"/> takes a rendered message for one customer and one
/// channel, and the channel's configuration decides how it goes out (SMTP, the inbox, a templated
/// HTTP request). Every send is logged per customer under a delivery id made of the idempotency key
/// and the channel: <c>queued</c>, then <c>sent</c> (handed to the transport) and <c>delivered</c>
/// (the provider accepted it: SMTP 250 after DATA, an http 2xx, the inbox write) or <c>failed</c>; or
/// <c>suppressed</c> with the reason. A cause that comes again after it was delivered or suppressed
/// sends nothing. A non-critical message in the customer's quiet hours is held: it stays
/// <c>queued</c> with <c>heldUntil</c>, and a work item due when the quiet hours end sends it then.
/// </summary>
public sealed partial class NotificationService(
    NotificationLog log,
    EntryService entries,
    IEmailTransport email,
    IHttpChannelTransport http,
    NotificationPreferences preferences,
    Queues.IWorkQueue queue,
    TimeProvider time,
    IOptions<NotificationOptions> options,
    ILogger<NotificationService> logger
)
{
    public async ValueTask<NotificationResult> SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        if (!options.Value.Channels.TryGetValue(message.Channel, out var channel))
        {
            throw new ValidationException(
                new FieldError("/channel", "unknown-channel", $"No channel '{message.Channel}' in Cx:Notifications:Channels.")
            );
        }
        var deliveryId = message.DeliveryId;
        if (!await log.TryCreateAsync(message, time.GetUtcNow(), cancellationToken))
        {
            var existing = await log.ReadDeliveryAsync(message.CustomerId, deliveryId, cancellationToken);
            if (existing is not null)
            {
                using var parsed = JsonDocument.Parse(existing.Json);
                var status = parsed.RootElement.GetProperty("status").GetString()!;
                if (NotificationStatuses.IsFinal(status))
                {
                    var reason = parsed.RootElement.TryGetProperty("reason", out var r) ? r.GetString() : null;
                    return new NotificationResult(deliveryId, status, reason, Duplicate: true);
                }
            }
        }

        StoredProfile? profile;
        try
        {
            var document = await entries.GetAsync(CustomerProfile.TypeKey, message.CustomerId, cancellationToken);
            profile = new StoredProfile(JsonDocument.Parse(document.Json).RootElement.Clone());
        }
        catch (NotFoundException)
        {
            profile = null;
        }
        if (profile is null)
        {
            return await SuppressAsync(message, "missing customer: the profile does not exist", null, cancellationToken);
        }

        string? to = null;
        if (channel.Address is { } addressField)
        {
            to =
                profile.Body.TryGetProperty(addressField, out var address) && address.ValueKind == JsonValueKind.String
                    ? address.GetString()
                    : null;
            if (string.IsNullOrWhiteSpace(to))
            {
                return await SuppressAsync(message, $"missing address: the profile has no {addressField}", null, cancellationToken);
            }
        }

        var verdict = await preferences.CheckAsync(message, profile.Body, channel, cancellationToken);
        if (verdict.HoldUntil is { } until)
        {
            return await HoldAsync(message, until, verdict.Reason!, to, cancellationToken);
        }
        if (verdict.Reason is { } refusal)
        {
            return await SuppressAsync(message, refusal, to, cancellationToken);
        }

        var handedAt = time.GetUtcNow();
        var outcome = channel.Kind switch
        {
            NotificationChannelKinds.Smtp => await SendEmailAsync(message, channel, to!, profile.Body, cancellationToken),
            NotificationChannelKinds.Inbox => await SendToInboxAsync(message, cancellationToken),
            _ => await SendHttpAsync(message, channel, to, profile.Body, cancellationToken),
        };
        if (outcome.Accepted)
        {
            await log.RecordAsync(
                message.CustomerId,
                deliveryId,
                NotificationStatuses.Delivered,
                outcome.Detail,
                to,
                time.GetUtcNow(),
                cancellationToken,
                sentAt: handedAt
            );
            await preferences.CountSentAsync(message, cancellationToken);
            return new NotificationResult(deliveryId, NotificationStatuses.Delivered, null);
        }
        LogFailed(logger, deliveryId, message.Channel, outcome.Error);
        if (outcome.Permanent)
        {
            return await SuppressAsync(message, "refused: " + outcome.Error, to, cancellationToken);
        }
        await log.RecordAsync(
            message.CustomerId,
            deliveryId,
            NotificationStatuses.Failed,
            outcome.Error,
            to,
            time.GetUtcNow(),
            cancellationToken,
            sentAt: handedAt
        );
        return new NotificationResult(deliveryId, NotificationStatuses.Failed, outcome.Error);
    }

    /// <summary>Logs a delivery that will not happen (a trigger's condition did not hold, ...), once per cause and channel.</summary>
    public async ValueTask<NotificationResult> SuppressAsync(
        NotificationMessage message,
        string reason,
        string? to,
        CancellationToken cancellationToken
    )
    {
        await log.TryCreateAsync(message, time.GetUtcNow(), cancellationToken);
        await log.RecordAsync(
            message.CustomerId,
            message.DeliveryId,
            NotificationStatuses.Suppressed,
            reason,
            to,
            time.GetUtcNow(),
            cancellationToken
        );
        return new NotificationResult(message.DeliveryId, NotificationStatuses.Suppressed, reason);
    }

    /// <summary>
    /// Holds a message in quiet hours: the log entry stays <c>queued</c> with <c>heldUntil</c>, and a work
    /// item carrying the rendered message, due at <paramref name="until"/>, sends it then (once: its id
    /// is made of the delivery id and the instant, and the queue ignores an id it knows).
    /// </summary>
    private async ValueTask<NotificationResult> HoldAsync(
        NotificationMessage message,
        DateTimeOffset until,
        string reason,
        string? to,
        CancellationToken cancellationToken
    )
    {
        var item = new NotificationWorkItem
        {
            Trigger = message.Trigger ?? "",
            CauseId =
                "held:" + message.DeliveryId + "@" + until.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            CustomerId = message.CustomerId,
            Held = message,
        };
        await queue.EnqueueAsync(NotificationOptions.Queue, [item.ToQueueMessage(until)], cancellationToken);
        await log.RecordAsync(
            message.CustomerId,
            message.DeliveryId,
            NotificationStatuses.Queued,
            reason,
            to,
            time.GetUtcNow(),
            cancellationToken,
            heldUntil: until
        );
        return new NotificationResult(message.DeliveryId, NotificationStatuses.Queued, reason, HeldUntil: until);
    }

    private async ValueTask<ChannelOutcome> SendEmailAsync(
        NotificationMessage message,
        NotificationChannelOptions channel,
        string to,
        JsonElement profile,
        CancellationToken cancellationToken
    )
    {
        var headers = new List<KeyValuePair<string, string>> { new("X-Cx-Delivery", message.DeliveryId) };
        headers.AddRange(preferences.EmailHeaders(message));
        var name = profile.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return await email.SendAsync(new EmailMessage(to, name, message.Subject ?? "", message.Body, headers), channel, cancellationToken);
    }

    private async ValueTask<ChannelOutcome> SendToInboxAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        await log.AddToInboxAsync(message, time.GetUtcNow(), cancellationToken);
        return ChannelOutcome.Ok("inbox: stored as " + NotificationLog.InboxId(message.DeliveryId));
    }

    private async ValueTask<ChannelOutcome> SendHttpAsync(
        NotificationMessage message,
        NotificationChannelOptions channel,
        string? to,
        JsonElement profile,
        CancellationToken cancellationToken
    )
    {
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["to"] = to,
            ["subject"] = message.Subject,
            ["body"] = message.Body,
            ["topic"] = message.Topic,
            ["channel"] = message.Channel,
            ["deliveryId"] = message.DeliveryId,
            ["customer"] = NotificationTemplates.ToModel(profile),
        };
        var url = await NotificationTemplates.RenderAsync(channel.Url!, model);
        if (NotificationAddressPolicy.Refusal(url, options.Value.AllowPrivateAddresses) is { } refusal)
        {
            return new ChannelOutcome(false, $"The rendered URL is refused: {refusal}", Permanent: true);
        }
        var headers = new List<KeyValuePair<string, string>>(channel.Headers.Count);
        foreach (var (header, value) in channel.Headers)
        {
            headers.Add(new(header, await NotificationTemplates.RenderAsync(value, model)));
        }
        var body = channel.Body is null ? null : await NotificationTemplates.RenderAsync(channel.Body, model);
        return await http.SendAsync(new HttpChannelRequest(channel.Method, url, headers, body, channel.ContentType), cancellationToken);
    }

    private sealed record StoredProfile(JsonElement Body);

    [LoggerMessage(EventId = 4501, Level = LogLevel.Information, Message = "Notification {DeliveryId} on {Channel} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string deliveryId, string channel, string? error);
}

/// <summary>The SSRF rule of webhooks applied to a rendered http-channel URL.</summary>
public static class NotificationAddressPolicy
{
    public static string? Refusal(string url, bool allowPrivate) => Webhooks.WebhookAddressPolicy.Refusal(url, allowPrivate);
}
