using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Cx.Core.Rules;

namespace Cx.Core.Notifications;

/// <summary>One past cause replayed through a trigger: what it was, and per channel what would be sent.</summary>
public sealed record NotificationDryRunCause(
    string CauseId,
    string Kind,
    DateTimeOffset? At,
    IReadOnlyList<NotificationDryRunChannel> Channels,
    string? NotFired = null
);

/// <summary>
/// A channel of a replayed cause: the rendering, whether it would be sent now (or why not), and what
/// the delivery log already holds for the same delivery id (<c>delivered</c>: a real run would send nothing).
/// </summary>
public sealed record NotificationDryRunChannel(
    string Channel,
    string DeliveryId,
    string? Language,
    string? Subject,
    string? Body,
    string? To,
    bool WouldSend,
    string? Reason,
    string? Logged
);

/// <summary>
/// A dry run of a trigger over a customer's history: the customer's recent causes the trigger
/// watches (the timeline's events of its type for event and segment triggers, the customer's entries
/// of its content type for content triggers), newest first, each rendered through the trigger's
/// condition, templates and the customer's preferences as <see cref="NotificationPreview"/> does. It
/// sends nothing, enqueues nothing and writes nothing to the delivery log.
/// </summary>
public sealed class NotificationDryRun(
    NotificationTriggerRegistry registry,
    ContentTypeRegistry contentTypes,
    EntryService entries,
    IDocumentStore store,
    ITimelineReader timeline,
    NotificationPreview preview,
    NotificationPreferences preferences,
    NotificationLog log,
    TimeProvider time,
    INotificationChangeHistory? history = null
)
{
    public const int MaxCauses = 50;

    public async Task<IReadOnlyList<NotificationDryRunCause>> RunAsync(
        string triggerKey,
        string customerId,
        int limit,
        CancellationToken cancellationToken
    )
    {
        var trigger = (await registry.GetAsync(triggerKey, cancellationToken)).Definition;
        var compiled = await registry.FindAsync(triggerKey, cancellationToken);
        var stored = await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);
        using var parsedProfile = JsonDocument.Parse(stored.Json);
        var profile = parsedProfile.RootElement;
        var storedPreferences = await preferences.ReadAsync(customerId, cancellationToken);
        using var preferenceDocument = storedPreferences is null ? null : JsonDocument.Parse(storedPreferences.Json);
        var now = time.GetUtcNow();
        string? blocked =
            !trigger.Enabled ? "disabled: the trigger is switched off"
            : compiled is null ? "condition: the trigger's condition no longer parses against the profile"
            : !compiled.Matches(profile, customerId, now) ? "condition: the trigger's condition does not hold for the customer"
            : null;

        var causes = new List<NotificationDryRunCause>();
        foreach (var (item, kind, at, notFired) in await CausesAsync(trigger, customerId, limit, cancellationToken))
        {
            if (notFired is not null)
            {
                causes.Add(new(item.CauseId, kind, at, [], notFired));
                continue;
            }
            var model = NotificationWorkHandler.Model(item, profile);
            if (trigger.Digest is { } digest)
            {
                model = NotificationDigests.SingleItemModel(model, digest, now); // collected into a digest; shown as a digest of one
            }
            var rendered = await preview.RenderAsync(trigger, blocked, model, customerId, profile, preferenceDocument?.RootElement, now);
            var channels = new List<NotificationDryRunChannel>(rendered.Count);
            foreach (var r in rendered)
            {
                var deliveryId = NotificationMessage.DeliveryIdOf(item.IdempotencyKey, r.Channel);
                string? logged = null;
                if (await log.ReadDeliveryAsync(customerId, deliveryId, cancellationToken) is { } entry)
                {
                    using var parsed = JsonDocument.Parse(entry.Json);
                    logged = parsed.RootElement.GetProperty("status").GetString();
                }
                var wouldSend = r.WouldSend && logged is not (NotificationStatuses.Delivered or NotificationStatuses.Suppressed);
                var reason = r.WouldSend && !wouldSend ? $"already {logged}: the delivery log holds this cause" : r.Reason;
                channels.Add(new(r.Channel, deliveryId, r.Language, r.Subject, r.Body, r.To, wouldSend, reason, logged));
            }
            causes.Add(new(item.CauseId, kind, at, channels));
        }
        return causes;
    }

    private async Task<List<(NotificationWorkItem Item, string Kind, DateTimeOffset? At, string? NotFired)>> CausesAsync(
        NotificationTrigger trigger,
        string customerId,
        int limit,
        CancellationToken cancellationToken
    )
    {
        var on = trigger.On;
        var causes = new List<(NotificationWorkItem, string, DateTimeOffset?, string?)>();
        if (on.Kind == TriggerKinds.Content)
        {
            var schema = await contentTypes.GetSchemaAsync(on.ContentType!, cancellationToken);
            var page = await store.QueryAsync(
                schema.Container,
                new DocumentQuery
                {
                    Type = on.ContentType!,
                    Filter = new Comparison(FieldPath.Parse("customer"), ComparisonOperator.Eq, ScalarValue.From(customerId)),
                    Limit = limit,
                },
                cancellationToken
            );
            if (history is not null)
            {
                // Each past change of the entries, as the change feed delivered it to the hook (ADR 0462).
                var changes = await history.ReadAsync(
                    schema.Container,
                    on.ContentType!,
                    [.. page.Items.Select(d => d.Id)],
                    limit,
                    cancellationToken
                );
                foreach (var change in changes)
                {
                    var body = JsonNode.Parse(change.After!.Value.Span);
                    if (!(body?["customer"] is JsonValue owner && owner.TryGetValue<string>(out var id) && id == customerId))
                    {
                        continue; // the entry belonged to another customer at that version
                    }
                    var changeEvent = Webhooks.WebhookEvents.EventType(change);
                    causes.Add(
                        (
                            new NotificationWorkItem
                            {
                                Trigger = trigger.Key,
                                CauseId = $"{change.Container}/{change.PartitionKey}/{change.Id}@{change.ETag}",
                                CustomerId = customerId,
                                Document = body,
                            },
                            "content-change",
                            change.CommittedAt,
                            NotificationHook.Fires(on, changeEvent, change) ? null : NotFired(on, changeEvent)
                        )
                    );
                }
                return causes;
            }
            foreach (var document in page.Items)
            {
                var body = JsonNode.Parse(document.Json.Span);
                var at = Instants.TryParse(body?["updatedAt"]?.GetValue<string>() ?? "", out var updated) ? updated : (DateTimeOffset?)null;
                causes.Add(
                    (
                        new NotificationWorkItem
                        {
                            Trigger = trigger.Key,
                            CauseId = $"{schema.Container}/{document.PartitionKey}/{document.Id}@{document.ETag}",
                            CustomerId = customerId,
                            Document = body,
                        },
                        "content",
                        at,
                        null
                    )
                );
            }
            return [.. causes.OrderByDescending(c => c.Item3)];
        }
        var eventType =
            on.Kind == TriggerKinds.Event ? on.EventType!
            : on.Transition == "exited" ? Events.BuiltInEventTypes.SegmentExited
            : Events.BuiltInEventTypes.SegmentEntered;
        var events = await timeline.ReadTimelineAsync(customerId, eventType, limit, null, cancellationToken);
        foreach (var e in events.Items)
        {
            var properties = JsonNode.Parse(e.Properties.Span);
            if (on.Kind == TriggerKinds.Segment && properties?["segment"]?.GetValue<string>() != on.Segment)
            {
                continue;
            }
            causes.Add(
                (
                    new NotificationWorkItem
                    {
                        Trigger = trigger.Key,
                        CauseId = "event:" + e.Id,
                        CustomerId = customerId,
                        Event = new JsonObject
                        {
                            ["id"] = e.Id,
                            ["type"] = e.Type,
                            ["timestamp"] = Instants.Format(e.Timestamp),
                            ["properties"] = properties?.DeepClone(),
                        },
                        Segment = on.Segment,
                    },
                    on.Kind,
                    e.Timestamp,
                    null
                )
            );
        }
        return causes;
    }

    /// <summary>Why a past change did not fire a content trigger.</summary>
    public static string NotFired(TriggerSource on, string eventType)
    {
        var watched = on.ContentType + "." + on.Change;
        if (!eventType.EndsWith("." + on.Change, StringComparison.Ordinal))
        {
            return $"not fired: the change is {eventType}; the trigger fires on {watched}";
        }
        return $"not fired: {on.Field} did not become {on.Becomes} in this change";
    }
}
