using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Webhooks;

/// <summary>
/// The registry of webhook subscriptions: definition documents (<c>type = webhookSubscription</c>)
/// in the definitions container, through the shared definition machinery (list, read, create,
/// replace, delete with ETags; cached like every registry). Saving validates the URL against the
/// SSRF policy, the event types and the secrets, and reports every problem with its JSON Pointer.
/// </summary>
public sealed partial class WebhookRegistry(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> cache,
    IOptions<WebhookOptions> options,
    ILogger<WebhookRegistry> logger,
    ContentTypeRegistry contentTypes,
    IWebhookSecretProtector protector,
    Audit.AuditLog? audit = null
) : DefinitionTypeRegistry<WebhookSubscription, WebhookRegistry.Snapshot>(store, time, cache, Document)
{
    public const string Document = "webhookSubscription";

    public const int MaxEventTypes = 50;

    public const int MaxSecrets = 3;

    public const string SecretPrefix = "whsec_";

    /// <summary>Every subscription (a cached, immutable view).</summary>
    public async ValueTask<IReadOnlyList<WebhookSubscription>> GetAllAsync(CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Enabled;

    /// <summary>The enabled subscriptions with their compiled filters (null: no filter), in key order.</summary>
    public async ValueTask<IReadOnlyList<(WebhookSubscription Subscription, CompiledWebhookFilter? Filter)>> GetTargetsAsync(
        CancellationToken cancellationToken
    ) => (await GetSnapshotAsync(cancellationToken)).Targets;

    /// <summary>The subscription as cached, or null when there is none.</summary>
    public async ValueTask<WebhookSubscription?> FindAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ByKey.GetValueOrDefault(key)?.Definition;

    public async ValueTask<DefinitionRecord<WebhookSubscription>> GetAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ByKey.GetValueOrDefault(key)
        ?? throw new NotFoundException("Webhook subscription", key);

    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current =
            (await ReloadAsync(cancellationToken)).ByKey.GetValueOrDefault(key) ?? throw new NotFoundException("Webhook subscription", key);
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        await RecordAsync("webhook.deleted", key, null, cancellationToken);
    }

    /// <summary>Turns a subscription off on Cx's own account (auto-disable), with the reason as its notice.</summary>
    public async Task DisableAsync(string key, string reason, CancellationToken cancellationToken)
    {
        var current = (await ReloadAsync(cancellationToken)).ByKey.GetValueOrDefault(key);
        if (current is null || !current.Definition.Enabled)
        {
            return;
        }
        var disabled = current.Definition with { Enabled = false, DisabledReason = reason, Version = current.Definition.Version + 1 };
        try
        {
            await ReplaceDocumentAsync(Document, key, disabled, current.Document, null, cancellationToken);
        }
        catch (ETagMismatchException)
        {
            return; // changed meanwhile by an admin: their version stands
        }
        Invalidate();
        LogDisabled(logger, key, reason);
        if (audit is not null)
        {
            await audit.RecordAsync("system", "Cx", "webhook.disabled", Document, key, true, new { reason }, cancellationToken);
        }
    }

    protected override string KeyOf(WebhookSubscription definition) => definition.Key;

    protected override async Task<DefinitionRecord<WebhookSubscription>> SaveAsync(
        WebhookSubscription subscription,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        var errors = Problems(subscription, options.Value.AllowPrivateAddresses, Time.GetUtcNow());
        if (subscription.Filter is { } filter)
        {
            await CompileFilterAsync(subscription, filter, errors, cancellationToken);
        }
        Throw(subscription, errors);
        var snapshot = await ReloadAsync(cancellationToken);
        var current = snapshot.ByKey.GetValueOrDefault(subscription.Key);
        if (!create && current is null)
        {
            throw new NotFoundException("Webhook subscription", subscription.Key);
        }
        if (create && current is null && snapshot.ByKey.Count >= options.Value.MaxSubscriptions)
        {
            throw new ConflictException(
                "limit",
                $"At most {options.Value.MaxSubscriptions} webhook subscriptions (Cx:Webhooks:MaxSubscriptions)."
            );
        }
        subscription = subscription with { Secrets = ProtectSecrets(subscription, current?.Definition) };
        if (!create)
        {
            subscription = subscription with { Version = current!.Definition.Version };
            if (subscription.Enabled)
            {
                subscription = subscription with { DisabledReason = null };
            }
        }
        var (saved, written) = await WriteAsync(
            Document,
            subscription.Key,
            subscription,
            create ? null : current,
            ifMatch,
            s => s with { Version = s.Version + 1 },
            cancellationToken
        );
        if (written)
        {
            Invalidate();
            await RecordAsync(
                "webhook.saved",
                subscription.Key,
                new
                {
                    created = create,
                    version = saved.Definition.Version,
                    url = subscription.Url,
                },
                cancellationToken
            );
        }
        return saved;
    }

    /// <summary>
    /// The secrets as stored: a new value becomes its id and protected form (the one already stored
    /// when the subscription has that secret, so an unchanged save writes nothing); an id alone
    /// keeps the stored secret of that id (400 at its pointer when there is none). The value is dropped.
    /// </summary>
    private EquatableArray<WebhookSecret> ProtectSecrets(WebhookSubscription subscription, WebhookSubscription? current)
    {
        var stored = new Dictionary<string, WebhookSecret>(StringComparer.Ordinal);
        foreach (var secret in current?.Secrets ?? [])
        {
            if (secret.Id is not null && secret.Protected is not null)
            {
                stored[secret.Id] = secret;
            }
        }
        var result = new List<WebhookSecret>(subscription.Secrets.Count);
        var errors = new List<FieldError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < subscription.Secrets.Count; i++)
        {
            var secret = subscription.Secrets[i];
            var id = secret.Value is { } value ? WebhookSecretIds.Of(value) : secret.Id!;
            if (!seen.Add(id))
            {
                errors.Add(new($"/secrets/{i}", "duplicate", $"The secret {id} is listed twice."));
                continue;
            }
            if (stored.TryGetValue(id, out var known))
            {
                result.Add(
                    new WebhookSecret
                    {
                        Id = id,
                        Protected = known.Protected,
                        ExpiresAt = secret.ExpiresAt,
                    }
                );
            }
            else if (secret.Value is { } plain)
            {
                result.Add(
                    new WebhookSecret
                    {
                        Id = id,
                        Protected = protector.Protect(plain),
                        ExpiresAt = secret.ExpiresAt,
                    }
                );
            }
            else
            {
                errors.Add(new($"/secrets/{i}/id", "unknown-secret", $"The subscription has no secret {id}; send a value for a new one."));
            }
        }
        Throw(subscription, errors);
        return [.. result];
    }

    private async Task RecordAsync(string action, string key, object? details, CancellationToken cancellationToken)
    {
        if (audit is not null)
        {
            await audit.RecordAsync(action, Document, key, details: details, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Every problem of a subscription apart from its filter's condition, each with its JSON Pointer (400).</summary>
    public static void Validate(WebhookSubscription subscription, bool allowPrivateAddresses, DateTimeOffset now) =>
        Throw(subscription, Problems(subscription, allowPrivateAddresses, now));

    private static void Throw(WebhookSubscription subscription, List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The webhook subscription '{subscription.Key}' is not valid.");
        }
    }

    /// <summary>
    /// Checks the filter against the schema of the one document type the event types name and
    /// compiles it; its problems are added to <paramref name="errors"/> (null then).
    /// </summary>
    private async Task<CompiledWebhookFilter?> CompileFilterAsync(
        WebhookSubscription subscription,
        WebhookFilter filter,
        List<FieldError> errors,
        CancellationToken cancellationToken
    )
    {
        var type = CompiledWebhookFilter.DocumentTypeOf(subscription.EventTypes);
        ContentSchema? schema = null;
        if (type is not null)
        {
            try
            {
                schema = await contentTypes.GetSchemaAsync(type, cancellationToken);
            }
            catch (NotFoundException) { }
        }
        return CompiledWebhookFilter.Compile(filter, type, schema, errors);
    }

    private static List<FieldError> Problems(WebhookSubscription subscription, bool allowPrivateAddresses, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (!IsKey(subscription.Key))
        {
            errors.Add(new("/key", "key", "Must be 1-64 of a-z, 0-9, '_', '-', starting with a lower-case letter."));
        }
        if (WebhookAddressPolicy.Refusal(subscription.Url, allowPrivateAddresses) is { } refusal)
        {
            errors.Add(new("/url", "url", refusal));
        }
        if (subscription.EventTypes.Count == 0)
        {
            errors.Add(new("/eventTypes", "min-items", "Name at least one event type ('*' for every change)."));
        }
        if (subscription.EventTypes.Count > MaxEventTypes)
        {
            errors.Add(new("/eventTypes", "max-items", $"At most {MaxEventTypes} event types."));
        }
        for (var i = 0; i < subscription.EventTypes.Count; i++)
        {
            if (!IsEventTypePattern(subscription.EventTypes[i]))
            {
                errors.Add(
                    new($"/eventTypes/{i}", "event-type", "Must be '*', '{documentType}.*' or '{documentType}.created|updated|deleted'.")
                );
            }
        }
        if (subscription.Secrets.Count == 0)
        {
            errors.Add(new("/secrets", "min-items", "Give at least one signing secret (whsec_ + base64 of 24-64 random bytes)."));
        }
        if (subscription.Secrets.Count > MaxSecrets)
        {
            errors.Add(new("/secrets", "max-items", $"At most {MaxSecrets} secrets (one, or two while rotating)."));
        }
        var active = 0;
        for (var i = 0; i < subscription.Secrets.Count; i++)
        {
            var secret = subscription.Secrets[i];
            if (secret.Value is null && secret.Id is { } id)
            {
                if (!IsSecretId(id))
                {
                    errors.Add(new($"/secrets/{i}/id", "pattern", "A secret id is sec_ and 12 hexadecimal digits."));
                }
            }
            else if (!IsSecret(secret.Value))
            {
                errors.Add(new($"/secrets/{i}/value", "secret", "Must be whsec_ followed by the base64 of 24 to 64 random bytes."));
            }
            if (secret.ExpiresAt is { } expiresAt)
            {
                if (!Instants.TryParse(expiresAt, out var expiry))
                {
                    errors.Add(new($"/secrets/{i}/expiresAt", "date-time", "Must be an RFC 3339 instant."));
                    continue;
                }
                if (expiry <= now)
                {
                    continue;
                }
            }
            active++;
        }
        if (subscription.Secrets.Count > 0 && active == 0)
        {
            errors.Add(new("/secrets", "no-active-secret", "At least one secret must not have expired."));
        }
        if (subscription.Description is { Length: > 1000 })
        {
            errors.Add(new("/description", "max-length", "Must be at most 1000 characters."));
        }
        if (subscription.DisabledReason is { Length: > 1000 })
        {
            errors.Add(new("/disabledReason", "max-length", "Must be at most 1000 characters."));
        }
        return errors;
    }

    /// <summary>
    /// The secrets that sign a delivery at <paramref name="now"/>: every one that has not expired,
    /// as stored (protected; a value written before secrets were protected is taken as it is).
    /// </summary>
    public static IReadOnlyList<WebhookSecret> SigningSecrets(WebhookSubscription subscription, DateTimeOffset now)
    {
        var secrets = new List<WebhookSecret>(subscription.Secrets.Count);
        foreach (var secret in subscription.Secrets)
        {
            if (secret.ExpiresAt is { } expiresAt && Instants.TryParse(expiresAt, out var expiry) && expiry <= now)
            {
                continue;
            }
            secrets.Add(secret);
        }
        return secrets;
    }

    private static bool IsSecretId(string id) =>
        id.Length == 16 && id.StartsWith("sec_", StringComparison.Ordinal) && id.AsSpan(4).ContainsAnyExcept(LowerHex) is false;

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    public static bool IsKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 64 || !char.IsAsciiLetterLower(key[0]))
        {
            return false;
        }
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsEventTypePattern(string? pattern)
    {
        if (pattern == "*")
        {
            return true;
        }
        if (string.IsNullOrEmpty(pattern) || pattern.Length > 100)
        {
            return false;
        }
        var dot = pattern.LastIndexOf('.');
        if (dot <= 0)
        {
            return false;
        }
        var kind = pattern[(dot + 1)..];
        var type = pattern[..dot];
        return kind is "*" or "created" or "updated" or "deleted"
            && char.IsAsciiLetter(type[0])
            && type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
    }

    private static bool IsSecret(string? value)
    {
        if (value is null || !value.StartsWith(SecretPrefix, StringComparison.Ordinal) || value.Length > 200)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[150];
        return Convert.TryFromBase64String(value[SecretPrefix.Length..], bytes, out var length) && length is >= 24 and <= 64;
    }

    protected override async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<WebhookSubscription>(Document, cancellationToken);
        var byKey = records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal);
        var targets = new List<(WebhookSubscription, CompiledWebhookFilter?)>();
        foreach (var subscription in records.Select(r => r.Definition).Where(s => s.Enabled))
        {
            CompiledWebhookFilter? compiled = null;
            if (subscription.Filter is { } filter)
            {
                var errors = new List<FieldError>();
                compiled = await CompileFilterAsync(subscription, filter, errors, cancellationToken);
                if (compiled is null)
                {
                    // The content type changed under the filter: deliver unfiltered rather than drop events silently.
                    LogFilterBroken(logger, subscription.Key, string.Join("; ", errors.Select(e => e.Path + ": " + e.Detail)));
                }
            }
            targets.Add((subscription, compiled));
        }
        return new Snapshot(byKey, [.. targets.Select(t => t.Item1)], targets);
    }

    /// <summary>Every subscription at one moment, and the enabled ones (with their compiled filters) in key order.</summary>
    public sealed record Snapshot(
        FrozenDictionary<string, DefinitionRecord<WebhookSubscription>> ByKey,
        IReadOnlyList<WebhookSubscription> Enabled,
        IReadOnlyList<(WebhookSubscription Subscription, CompiledWebhookFilter? Filter)> Targets
    );

    [LoggerMessage(
        EventId = 4432,
        Level = LogLevel.Warning,
        Message = "The filter of webhook subscription {Key} no longer fits its content type and is ignored until fixed: {Problems}"
    )]
    private static partial void LogFilterBroken(ILogger logger, string key, string problems);

    [LoggerMessage(EventId = 4430, Level = LogLevel.Warning, Message = "Webhook subscription {Key} was disabled: {Reason}")]
    private static partial void LogDisabled(ILogger logger, string key, string reason);
}
