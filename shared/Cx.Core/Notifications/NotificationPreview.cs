using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Microsoft.Extensions.Options;

namespace Cx.Core.Notifications;

/// <summary>What a trigger would send one customer on one channel, and whether it would go out (and why not).</summary>
public sealed record NotificationPreviewItem(
    string Channel,
    string? Language,
    string? Subject,
    string? Body,
    string? To,
    bool WouldSend,
    string? Reason
);

/// <summary>
/// Renders a trigger for a real customer without sending anything: per channel the template chosen
/// for their language, the rendered subject and body, the address, and whether it would be sent
/// now, or why not (the condition, a missing address or template, a preference, quiet hours, the cap).
/// </summary>
public sealed class NotificationPreview(
    NotificationTriggerRegistry registry,
    ContentTypeRegistry contentTypes,
    EntryService entries,
    NotificationPreferences preferences,
    TimeProvider time,
    IOptions<NotificationOptions> options
)
{
    public async Task<IReadOnlyList<NotificationPreviewItem>> PreviewAsync(
        string triggerKey,
        string customerId,
        string? documentId,
        CancellationToken cancellationToken
    )
    {
        var record = await registry.GetAsync(triggerKey, cancellationToken);
        var compiled = await registry.FindAsync(triggerKey, cancellationToken);
        var trigger = record.Definition;
        var stored = await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);
        using var parsedProfile = JsonDocument.Parse(stored.Json);
        var profile = parsedProfile.RootElement;

        var sample = await NotificationSamples.ModelAsync(contentTypes, trigger.On, cancellationToken);
        var item = new NotificationWorkItem
        {
            Trigger = trigger.Key,
            CauseId = "preview",
            CustomerId = customerId,
        };
        if (documentId is not null)
        {
            if (trigger.On.Kind != TriggerKinds.Content)
            {
                throw new ValidationException(
                    [new FieldError("/documentId", "not-allowed", "Only a content trigger renders a document.")],
                    "The body is not valid."
                );
            }
            var document = await entries.GetAsync(trigger.On.ContentType!, documentId, cancellationToken);
            item = item with { Document = JsonNode.Parse(document.Json.Span) };
        }
        var model = NotificationWorkHandler.Model(item, profile);
        foreach (var name in new[] { "document", "event", "segment" })
        {
            if (!model.ContainsKey(name) && sample.TryGetValue(name, out var value))
            {
                model[name] = value;
            }
        }
        if (trigger.Digest is { } digest)
        {
            model = NotificationDigests.SingleItemModel(model, digest, time.GetUtcNow());
        }

        var now = time.GetUtcNow();
        string? blocked = null;
        if (!trigger.Enabled)
        {
            blocked = "disabled: the trigger is switched off";
        }
        else if (compiled is null)
        {
            blocked = "condition: the trigger's condition no longer parses against the profile";
        }
        else if (!compiled.Matches(profile, customerId, now))
        {
            blocked = "condition: the trigger's condition does not hold for the customer";
        }
        var stored2 = await preferences.ReadAsync(customerId, cancellationToken);
        using var preferenceDocument = stored2 is null ? null : JsonDocument.Parse(stored2.Json);
        return await RenderAsync(trigger, blocked, model, customerId, profile, preferenceDocument?.RootElement, now);
    }

    /// <summary>
    /// Per channel of <paramref name="trigger"/>: the template for the customer's language rendered over
    /// <paramref name="model"/>, the address, and whether it would go out at <paramref name="now"/>
    /// (<paramref name="blocked"/>, a missing template or address, the preferences) or why not.
    /// </summary>
    public async Task<IReadOnlyList<NotificationPreviewItem>> RenderAsync(
        NotificationTrigger trigger,
        string? blocked,
        Dictionary<string, object?> model,
        string customerId,
        JsonElement profile,
        JsonElement? preferenceDocument,
        DateTimeOffset now
    )
    {
        var language = NotificationWorkHandler.LanguageOf(profile);
        var items = new List<NotificationPreviewItem>();
        foreach (var channel in trigger.Channels)
        {
            var template = NotificationTemplates.Select(trigger.Templates, channel, language);
            if (template is null)
            {
                items.Add(new(channel, null, null, null, null, false, "no template for the channel"));
                continue;
            }
            var subject = template.Subject is null ? null : (await NotificationTemplates.RenderAsync(template.Subject, model)).Trim();
            var body = await NotificationTemplates.RenderAsync(template.Body, model);
            var reason = blocked;
            string? to = null;
            if (options.Value.Channels.TryGetValue(channel, out var settings) && settings.Address is { } field)
            {
                to =
                    profile.TryGetProperty(field, out var address) && address.ValueKind == JsonValueKind.String
                        ? address.GetString()
                        : null;
                reason ??= string.IsNullOrWhiteSpace(to) ? $"missing address: the profile has no {field}" : null;
            }
            if (reason is null && preferenceDocument is { } preferencesJson)
            {
                var message = new NotificationMessage
                {
                    CustomerId = customerId,
                    Channel = channel,
                    IdempotencyKey = "preview",
                    Topic = trigger.Topic,
                    Critical = trigger.Critical,
                    Body = body,
                };
                reason = NotificationPreferences.Refusal(preferencesJson, message, profile, now);
            }
            items.Add(new(channel, template.Language, subject, body, to, reason is null, reason));
        }
        return items;
    }
}
