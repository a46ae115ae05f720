using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Options;

namespace Cx.Core.Notifications;

/// <summary>
/// The registry of notification triggers: definition documents (<c>type = notificationTrigger</c>)
/// in the definitions container through the shared definition machinery (list, read, create,
/// replace, delete with ETags; cached). Saving checks the source, the condition (the shared rule
/// language over the customer profile), the delay, the channels and every template, and reports
/// every problem with its JSON Pointer; nothing is written then.
/// </summary>
public sealed class NotificationTriggerRegistry(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> cache,
    IOptions<NotificationOptions> options,
    ContentTypeRegistry contentTypes,
    Audit.AuditLog? audit = null
) : DefinitionTypeRegistry<NotificationTrigger, NotificationTriggerRegistry.Snapshot>(store, time, cache, Document)
{
    public const string Document = "notificationTrigger";

    public const int MaxTemplates = 100;

    public async ValueTask<IReadOnlyList<CompiledTrigger>> GetEnabledAsync(CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Enabled;

    public async ValueTask<CompiledTrigger?> FindAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Compiled.GetValueOrDefault(key);

    public async ValueTask<DefinitionRecord<NotificationTrigger>> GetAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ByKey.GetValueOrDefault(key)
        ?? throw new NotFoundException("Notification trigger", key);

    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current =
            (await ReloadAsync(cancellationToken)).ByKey.GetValueOrDefault(key) ?? throw new NotFoundException("Notification trigger", key);
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        if (audit is not null)
        {
            await audit.RecordAsync("notification-trigger.deleted", Document, key, details: null, cancellationToken: cancellationToken);
        }
    }

    protected override string KeyOf(NotificationTrigger definition) => definition.Key;

    protected override async Task<DefinitionRecord<NotificationTrigger>> SaveAsync(
        NotificationTrigger trigger,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        await ValidateAsync(trigger, cancellationToken);
        var snapshot = await ReloadAsync(cancellationToken);
        var current = snapshot.ByKey.GetValueOrDefault(trigger.Key);
        if (!create && current is null)
        {
            throw new NotFoundException("Notification trigger", trigger.Key);
        }
        if (create && current is null && snapshot.ByKey.Count >= options.Value.MaxTriggers)
        {
            throw new ConflictException(
                "limit",
                $"At most {options.Value.MaxTriggers} notification triggers (Cx:Notifications:MaxTriggers)."
            );
        }
        if (!create)
        {
            trigger = trigger with { Version = current!.Definition.Version };
        }
        var (saved, written) = await WriteAsync(
            Document,
            trigger.Key,
            trigger,
            create ? null : current,
            ifMatch,
            t => t with { Version = t.Version + 1 },
            cancellationToken
        );
        if (written)
        {
            Invalidate();
            if (audit is not null)
            {
                await audit.RecordAsync(
                    "notification-trigger.saved",
                    Document,
                    trigger.Key,
                    details: new { created = create, version = saved.Definition.Version },
                    cancellationToken: cancellationToken
                );
            }
        }
        return saved;
    }

    /// <summary>Every problem of a trigger, each with its JSON Pointer (400).</summary>
    public async Task ValidateAsync(NotificationTrigger trigger, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        if (!NotificationTrigger.IsKey(trigger.Key))
        {
            errors.Add(new("/key", "key", "Must be 1-64 of a-z, 0-9, '_', '-', starting with a lower-case letter."));
        }
        var on = trigger.On;
        switch (on?.Kind)
        {
            case null:
                errors.Add(new("/on", "required", "Say what fires the trigger: {\"kind\":\"content\"|\"event\"|\"segment\", ...}."));
                break;
            case TriggerKinds.Content:
                await ValidateContentSourceAsync(on, errors, cancellationToken);
                break;
            case TriggerKinds.Event:
                if (
                    on.EventType is not { Length: > 0 and <= 100 }
                    || !on.EventType.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
                )
                {
                    errors.Add(new("/on/eventType", "event-type", "Required for an event trigger: the event type (cart_abandoned)."));
                }
                break;
            case TriggerKinds.Segment:
                if (!NotificationTrigger.IsKey(on.Segment))
                {
                    errors.Add(new("/on/segment", "key", "Required for a segment trigger: the segment's key."));
                }
                if (on.Transition is not ("entered" or "exited"))
                {
                    errors.Add(new("/on/transition", "enum", "Must be entered or exited."));
                }
                break;
            default:
                errors.Add(new("/on/kind", "enum", "Must be content, event or segment."));
                break;
        }
        ContentSchema? customerSchema = null;
        if (trigger.Condition is { } condition)
        {
            customerSchema = await contentTypes.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
            try
            {
                RuleParser.Parse(condition.Parse(), customerSchema, "/condition");
            }
            catch (ValidationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }
        if (
            trigger.Delay is { } delay
            && (!IsoDuration.TryParse(delay, out var wait) || wait < TimeSpan.Zero || wait > TimeSpan.FromDays(90))
        )
        {
            errors.Add(new("/delay", "duration", "Must be an ISO 8601 duration of at most 90 days (PT10M, P1D)."));
        }
        if (trigger.Digest is { } digest)
        {
            IReadOnlyCollection<string>? fields = null;
            if (on?.Kind == TriggerKinds.Content && DefinitionRules.IsKey(on.ContentType ?? ""))
            {
                try
                {
                    fields = [.. (await contentTypes.GetSchemaAsync(on.ContentType!, cancellationToken)).Type.Fields.Select(f => f.Name)];
                }
                catch (NotFoundException)
                {
                    fields = null; // reported on /on/contentType
                }
            }
            NotificationDigests.Validate(digest, on, fields, errors);
        }
        if (trigger.Channels.Count == 0)
        {
            errors.Add(new("/channels", "min-items", "Name at least one channel."));
        }
        for (var i = 0; i < trigger.Channels.Count; i++)
        {
            if (!options.Value.Channels.ContainsKey(trigger.Channels[i]))
            {
                errors.Add(
                    new(
                        $"/channels/{i}",
                        "unknown-channel",
                        $"No channel '{trigger.Channels[i]}' is configured; configured: {string.Join(", ", options.Value.Channels.Keys.Order())}."
                    )
                );
            }
        }
        if (!NotificationTrigger.IsKey(trigger.Topic))
        {
            errors.Add(new("/topic", "key", "Must be 1-64 of a-z, 0-9, '_', '-', starting with a lower-case letter."));
        }
        if (trigger.Templates.Count > MaxTemplates)
        {
            errors.Add(new("/templates", "max-items", $"At most {MaxTemplates} templates."));
        }
        var model = await NotificationSamples.ModelAsync(contentTypes, trigger.On, cancellationToken, trigger.Digest);
        for (var i = 0; i < trigger.Templates.Count; i++)
        {
            var template = trigger.Templates[i];
            if (!trigger.Channels.Contains(template.Channel))
            {
                errors.Add(new($"/templates/{i}/channel", "unknown-channel", "Must be one of the trigger's channels."));
            }
            if (template.Language != "default" && !IsLanguageTag(template.Language))
            {
                errors.Add(new($"/templates/{i}/language", "language", "Must be a language tag (en, pt-PT) or default."));
            }
            await CheckTemplateAsync(template.Subject, $"/templates/{i}/subject", model, errors);
            await CheckTemplateAsync(template.Body, $"/templates/{i}/body", model, errors);
        }
        foreach (var channel in trigger.Channels.Distinct())
        {
            if (options.Value.Channels.ContainsKey(channel) && NotificationTemplates.Select(trigger.Templates, channel, null) is null)
            {
                errors.Add(new("/templates", "missing-template", $"Give channel '{channel}' a template with language default."));
            }
        }
        if (trigger.Description is { Length: > 1000 })
        {
            errors.Add(new("/description", "max-length", "Must be at most 1000 characters."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The notification trigger '{trigger.Key}' is not valid.");
        }
    }

    private async Task ValidateContentSourceAsync(TriggerSource on, List<FieldError> errors, CancellationToken cancellationToken)
    {
        ContentSchema? schema = null;
        if (!DefinitionRules.IsKey(on.ContentType ?? ""))
        {
            errors.Add(new("/on/contentType", "required", "Required for a content trigger: the content type (order)."));
        }
        else
        {
            try
            {
                schema = await contentTypes.GetSchemaAsync(on.ContentType!, cancellationToken);
            }
            catch (NotFoundException)
            {
                errors.Add(new("/on/contentType", "unknown-type", $"No content type '{on.ContentType}'."));
            }
        }
        if (
            schema is not null
            && !schema.Type.Fields.Any(f => f is { Name: "customer", Type: FieldType.Relation, Target: CustomerProfile.TypeKey })
        )
        {
            errors.Add(
                new("/on/contentType", "not-customer-scoped", "The type has no customer field (a relation to customer) to send to.")
            );
        }
        if (on.Change is not ("created" or "updated"))
        {
            errors.Add(new("/on/change", "enum", "Must be created or updated."));
        }
        if (on.Field is not null || on.Becomes is not null)
        {
            if (on.Change != "updated")
            {
                errors.Add(new("/on/field", "not-allowed", "field and becomes watch an update: set change to updated."));
            }
            var field = schema?.Type.Fields.FirstOrDefault(f => f.Name == on.Field);
            if (on.Field is null || (schema is not null && field is null))
            {
                errors.Add(new("/on/field", "unknown-field", $"Must be a top-level field of '{on.ContentType}'."));
            }
            if (on.Becomes is null)
            {
                errors.Add(new("/on/becomes", "required", "The value the field changes to."));
            }
            else if (field is { Type: FieldType.Enumeration } && !field.Values.Contains(on.Becomes))
            {
                errors.Add(new("/on/becomes", "enum", $"Must be one of {string.Join(", ", field.Values)}."));
            }
        }
    }

    private static async Task CheckTemplateAsync(string? source, string pointer, Dictionary<string, object?> model, List<FieldError> errors)
    {
        if (source is null)
        {
            return;
        }
        if (source.Length > 100_000)
        {
            errors.Add(new(pointer, "max-length", "Must be at most 100000 characters."));
            return;
        }
        if (NotificationTemplates.ParseError(source) is { } parseError)
        {
            errors.Add(new(pointer, "template", "Not a Liquid template: " + parseError));
            return;
        }
        try
        {
            await NotificationTemplates.RenderAsync(source, model, strict: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Fluid.FluidException or ArgumentException)
        {
            errors.Add(new(pointer, "unknown-field", "The template reads a field the message does not have: " + ex.Message));
        }
    }

    private static bool IsLanguageTag(string tag) =>
        tag.Length is >= 2 and <= 35 && char.IsAsciiLetter(tag[0]) && tag.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    protected override async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<NotificationTrigger>(Document, cancellationToken);
        var byKey = records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal);
        ContentSchema? customerSchema = null;
        var compiled = new Dictionary<string, CompiledTrigger>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            var trigger = record.Definition;
            CompiledRule? rule = null;
            RuleSlots? slots = null;
            if (trigger.Condition is { } condition)
            {
                customerSchema ??= await contentTypes.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
                try
                {
                    var parsed = RuleParser.Parse(condition.Parse(), customerSchema, "/condition");
                    slots = new RuleSlots(customerSchema);
                    slots.Register(parsed);
                    rule = RuleCompiler.Compile(parsed, slots);
                }
                catch (ValidationException)
                {
                    continue; // the profile schema changed under it: the trigger waits for a fix
                }
            }
            var delay = trigger.Delay is { } d && IsoDuration.TryParse(d, out var wait) ? wait : TimeSpan.Zero;
            var period = trigger.Digest is { } digest && IsoDuration.TryParse(digest.Period, out var span) ? span : TimeSpan.Zero;
            compiled[trigger.Key] = new CompiledTrigger(trigger, rule, slots, delay, period);
        }
        return new Snapshot(byKey, compiled.ToFrozenDictionary(StringComparer.Ordinal), [.. compiled.Values.Where(c => c.Trigger.Enabled)]);
    }

    public sealed record Snapshot(
        FrozenDictionary<string, DefinitionRecord<NotificationTrigger>> ByKey,
        FrozenDictionary<string, CompiledTrigger> Compiled,
        IReadOnlyList<CompiledTrigger> Enabled
    );
}

public static class TriggerKinds
{
    public const string Content = "content";
    public const string Event = "event";
    public const string Segment = "segment";
}

/// <summary>A trigger ready to run: its compiled condition (over the profile) and its delay.</summary>
public sealed record CompiledTrigger(
    NotificationTrigger Trigger,
    CompiledRule? Rule,
    RuleSlots? Slots,
    TimeSpan Delay,
    TimeSpan DigestPeriod = default
)
{
    /// <summary>Whether the condition holds for the profile (true without a condition).</summary>
    public bool Matches(System.Text.Json.JsonElement profile, string customerId, DateTimeOffset now) =>
        Rule is null || Rule(Slots!.Load(profile, customerId), now.ToUnixTimeMilliseconds());
}
