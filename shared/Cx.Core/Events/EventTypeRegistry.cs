using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Events;

/// <summary>
/// The registry of event types: definition documents (<c>type = eventType</c>) in the
/// definitions container, partitioned by document type like content types. Property schemas
/// reuse the content model's <see cref="FieldDefinition"/> and <see cref="EntryValidator"/>.
/// Cached like the content registry (<see cref="ContentOptions.DefinitionCacheSeconds"/>).
/// </summary>
public sealed partial class EventTypeRegistry(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> options,
    ILogger<EventTypeRegistry> logger,
    Audit.AuditLog? audit = null
) : DefinitionTypeRegistry<EventTypeDefinition, EventTypeRegistry.Snapshot>(store, time, options, Document)
{
    public const string Document = "eventType";

    public const int MaxProperties = 100;

    public const string SettingsDocument = "eventTypeSettings";

    public const string SettingsId = "settings";

    /// <summary>Creates the built-in event types when missing. Idempotent; safe on every start.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var type in BuiltInEventTypes.All)
        {
            if (await EnsureBuiltInAsync(Document, type.Key, type, cancellationToken))
            {
                LogBuiltInCreated(logger, type.Key);
            }
        }
        Invalidate();
    }

    /// <summary>The event type, or null when the registry does not know it.</summary>
    public async ValueTask<EventTypeDefinition?> FindAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Types.GetValueOrDefault(key)?.Definition;

    /// <summary>Every known event type by key (a cached, immutable view).</summary>
    public async ValueTask<IReadOnlyDictionary<string, EventTypeDefinition>> GetAllAsync(CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Definitions;

    /// <summary>The registry's settings document, or null when none was saved (then the options decide).</summary>
    public async ValueTask<DefinitionRecord<EventTypeSettings>?> GetSettingsAsync(CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Settings;

    /// <summary>Creates or replaces the settings document (If-Match against the current one when given).</summary>
    public async Task<DefinitionRecord<EventTypeSettings>> SaveSettingsAsync(
        EventTypeSettings settings,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var current = (await ReloadAsync(cancellationToken)).Settings;
        var now = Now();
        var key = new DocumentKey(SettingsDocument, SettingsId);
        if (ifMatch is not null && ifMatch != "*" && ifMatch != current?.Document.ETag)
        {
            throw new ETagMismatchException(key);
        }
        if (current is not null && current.Definition == settings)
        {
            return current;
        }
        var json = DefinitionDocuments.ToJson(
            settings,
            SettingsId,
            SettingsDocument,
            current is null ? now : DefinitionDocuments.CreatedAt(current.Document),
            now
        );
        var stored = await Store.UpsertAsync(
            Containers.Definitions,
            new DocumentWrite(SettingsId, SettingsDocument, SettingsDocument, json),
            cancellationToken
        );
        Invalidate();
        await RecordAsync(Audit.AuditActions.EventTypeSettingsSaved, SettingsDocument, SettingsId, settings, cancellationToken);
        return new DefinitionRecord<EventTypeSettings>(settings, stored);
    }

    public async ValueTask<DefinitionRecord<EventTypeDefinition>> GetAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Types.GetValueOrDefault(key) ?? throw new NotFoundException("Event type", key);

    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = (await ReloadAsync(cancellationToken)).Types.GetValueOrDefault(key) ?? throw new NotFoundException("Event type", key);
        if (current.Definition.BuiltIn)
        {
            throw new ConflictException("built-in", $"The built-in event type '{key}' cannot be deleted.");
        }
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        await RecordAsync(Audit.AuditActions.EventTypeDeleted, Document, key, null, cancellationToken);
    }

    private async Task RecordAsync(string action, string targetType, string key, object? details, CancellationToken cancellationToken)
    {
        if (audit is not null)
        {
            await audit.RecordAsync(action, targetType, key, details: details, cancellationToken: cancellationToken);
        }
    }

    protected override async Task<DefinitionRecord<EventTypeDefinition>> SaveAsync(
        EventTypeDefinition type,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        Validate(type);
        var current = (await ReloadAsync(cancellationToken)).Types.GetValueOrDefault(type.Key);
        if (!create && current is null)
        {
            throw new NotFoundException("Event type", type.Key);
        }
        if (!create)
        {
            CheckIfMatch(ifMatch, current!.Document);
            type = type with { BuiltIn = current.Definition.BuiltIn, Version = current.Definition.Version };
            ValidateChange(current.Definition, type);
        }
        var (saved, written) = await WriteAsync(
            Document,
            type.Key,
            type,
            create ? null : current,
            ifMatch,
            t => t with { Version = t.Version + 1 },
            cancellationToken
        );
        if (!written)
        {
            return saved;
        }
        Invalidate();
        LogSaved(logger, type.Key);
        await RecordAsync(
            Audit.AuditActions.EventTypeSaved,
            Document,
            type.Key,
            new { created = create, version = saved.Definition.Version },
            cancellationToken
        );
        return saved;
    }

    protected override string KeyOf(EventTypeDefinition definition) => definition.Key;

    /// <summary>Event names clients send: a lower-case letter, then up to 63 of <c>a-z 0-9 _ . -</c>.</summary>
    public static bool IsEventTypeKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 64 || !char.IsAsciiLetterLower(key[0]))
        {
            return false;
        }
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Property names: a letter, then up to 63 letters, digits or '_'.</summary>
    public static bool IsPropertyName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    public static void Validate(EventTypeDefinition type)
    {
        var errors = new List<FieldError>();
        if (!IsEventTypeKey(type.Key))
        {
            errors.Add(new("/key", "key", "Must be 1-64 of a-z, 0-9, '_', '.', '-', starting with a lower-case letter."));
        }
        if (string.IsNullOrWhiteSpace(type.DisplayName) || type.DisplayName.Length > 100)
        {
            errors.Add(new("/displayName", "display-name", "Must be 1-100 characters."));
        }
        if (type.Description is { Length: > 1000 })
        {
            errors.Add(new("/description", "max-length", "Must be at most 1000 characters."));
        }
        if (type.Properties.Count > MaxProperties)
        {
            errors.Add(new("/properties", "max-items", $"At most {MaxProperties} properties."));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < type.Properties.Count; i++)
        {
            var property = type.Properties[i];
            var pointer = $"/properties/{i}";
            if (!IsPropertyName(property.Name))
            {
                errors.Add(new(pointer + "/name", "name", "Must be 1-64 letters, digits or '_', starting with a letter."));
            }
            else if (!names.Add(property.Name))
            {
                errors.Add(new(pointer + "/name", "duplicate", $"'{property.Name}' is declared twice."));
            }
            if (!(DefinitionRules.IsScalar(property.Type) || property.Type is FieldType.Text or FieldType.Json))
            {
                errors.Add(new(pointer + "/type", "type", "Event properties are scalars, text or json (no components or relations)."));
            }
            if (property.Unique || property.Indexed || property.SystemManaged)
            {
                errors.Add(new(pointer, "not-supported", "unique, indexed and systemManaged do not apply to event properties."));
            }
            if (property.Pattern is { } pattern)
            {
                try
                {
                    EntryValidator.GetPattern(pattern);
                }
                catch (ArgumentException)
                {
                    errors.Add(new(pointer + "/pattern", "pattern", "Not a valid regular expression."));
                }
            }
            if (property.Default is not null)
            {
                var defaultErrors = new List<FieldError>();
                EntryValidator.ValidateValue(
                    null,
                    property,
                    System.Text.Json.Nodes.JsonNode.Parse(property.Default.Json),
                    pointer + "/default",
                    defaultErrors
                );
                errors.AddRange(defaultErrors);
            }
        }
        for (var i = 0; i < type.RollupDimensions.Count; i++)
        {
            var property = type.FindProperty(type.RollupDimensions[i]);
            if (
                property is null
                || property.Type is not (FieldType.String or FieldType.Enumeration or FieldType.Boolean or FieldType.Integer)
            )
            {
                errors.Add(
                    new($"/rollupDimensions/{i}", "dimension", "Must name a declared string, enumeration, boolean or integer property.")
                );
            }
        }
        if (type.RollupDimensions.Count > 8)
        {
            errors.Add(new("/rollupDimensions", "max-items", "At most 8 roll-up dimensions."));
        }
        if (
            type.ValueProperty is { } value
            && type.FindProperty(value) is not { Type: FieldType.Decimal or FieldType.Integer or FieldType.Number }
        )
        {
            errors.Add(new("/valueProperty", "value-property", "Must name a declared decimal, integer or number property."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The event type '{type.Key}' is not valid.");
        }
    }

    /// <summary>A declared property keeps its type; built-in properties stay; new required properties need a default.</summary>
    public static void ValidateChange(EventTypeDefinition before, EventTypeDefinition after)
    {
        var errors = new List<FieldError>();
        foreach (var old in before.Properties)
        {
            var index = after.Properties.Items.IndexOf(after.FindProperty(old.Name)!);
            var now = after.FindProperty(old.Name);
            if (now is null)
            {
                if (before.BuiltIn && BuiltInEventTypes.All.Any(t => t.Key == before.Key && t.FindProperty(old.Name) is not null))
                {
                    errors.Add(new("/properties", "built-in", $"The built-in property '{old.Name}' cannot be removed."));
                }
                continue;
            }
            if (now.Type != old.Type)
            {
                errors.Add(new($"/properties/{index}/type", "type-change", $"'{old.Name}' cannot change its type; add a new property."));
            }
        }
        for (var i = 0; i < after.Properties.Count; i++)
        {
            var property = after.Properties[i];
            if (before.FindProperty(property.Name) is null && property.Required && property.Default is null)
            {
                errors.Add(
                    new($"/properties/{i}/default", "default-required", $"The new required property '{property.Name}' needs a default.")
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"This change to '{before.Key}' would break senders.");
        }
    }

    protected override async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<EventTypeDefinition>(Document, cancellationToken);
        var types = records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal);
        var settings = await ReadAsync<EventTypeSettings>(SettingsDocument, SettingsId, cancellationToken);
        return new Snapshot(types, types.ToFrozenDictionary(t => t.Key, t => t.Value.Definition, StringComparer.Ordinal), settings);
    }

    /// <summary>Every event type and the registry's settings at one moment.</summary>
    public sealed record Snapshot(
        FrozenDictionary<string, DefinitionRecord<EventTypeDefinition>> Types,
        FrozenDictionary<string, EventTypeDefinition> Definitions,
        DefinitionRecord<EventTypeSettings>? Settings
    );

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Built-in event type {Key} created")]
    private static partial void LogBuiltInCreated(ILogger logger, string key);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Event type {Key} saved")]
    private static partial void LogSaved(ILogger logger, string key);
}
