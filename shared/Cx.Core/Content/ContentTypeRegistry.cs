using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Content;

/// <summary>
/// The registry of content types and components. Definitions are documents in the
/// definitions container; the registry validates changes, keeps stores' indexes in step and
/// caches compiled <see cref="ContentSchema"/>s (see <see cref="ContentOptions.DefinitionCacheSeconds"/>).
/// </summary>
public sealed partial class ContentTypeRegistry(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> options,
    ILogger<ContentTypeRegistry> logger,
    Audit.AuditLog? audit = null
) : DefinitionRegistry<ContentTypeRegistry.Snapshot>(store, time, options)
{
    public const string ContentTypeDocument = "contentType";

    public const string ComponentDocument = "component";

    /// <summary>The content types the product relies on: created at start-up when missing, given new fields when stored without them, never deleted.</summary>
    public static IReadOnlyList<ContentType> BuiltInTypes { get; } =
    [CustomerProfile.ContentType, Analytics.JourneyReports.ContentType, .. Support.SupportModel.Types, .. Orders.OrderModel.Types];

    /// <summary>The components the built-in types use.</summary>
    public static IReadOnlyList<ComponentDefinition> BuiltInComponents { get; } =
    [
        .. CustomerProfile.Components,
        .. Analytics.JourneyReports.Components,
        .. Support.SupportModel.Components,
        .. Orders.OrderModel.Components,
    ];

    /// <summary>Creates the built-in definitions when missing and the indexes of every type.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var component in BuiltInComponents)
        {
            await CreateBuiltInAsync(ComponentDocument, component.Key, component, cancellationToken);
        }
        foreach (var type in BuiltInTypes)
        {
            await CreateBuiltInAsync(ContentTypeDocument, type.Key, type, cancellationToken);
        }
        var snapshot = await ReloadAsync(cancellationToken);
        foreach (var type in snapshot.Types.Values)
        {
            var schema = snapshot.GetSchema(type.Definition.Key)!;
            await Store.EnsureIndexesAsync(schema.Container, schema.Key, schema.IndexedPaths, cancellationToken);
        }
    }

    private async Task CreateBuiltInAsync<T>(string documentType, string key, T definition, CancellationToken cancellationToken)
        where T : class
    {
        if (await EnsureBuiltInAsync(documentType, key, definition, cancellationToken))
        {
            LogBuiltInCreated(logger, documentType, key);
        }
        else
        {
            await UpgradeBuiltInAsync(documentType, key, definition, cancellationToken);
        }
    }

    /// <summary>The compiled schema of a content type; 404 when it does not exist.</summary>
    public async ValueTask<ContentSchema> GetSchemaAsync(string key, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken);
        return snapshot.GetSchema(key) ?? throw new NotFoundException("Content type", key);
    }

    /// <summary>Every content type and component as the registry holds them now (the same cached snapshot the schemas come from).</summary>
    public ValueTask<Snapshot> GetDefinitionsAsync(CancellationToken cancellationToken) => GetSnapshotAsync(cancellationToken);

    public async ValueTask<DefinitionRecord<ContentType>> GetContentTypeAsync(string key, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken);
        return snapshot.Types.GetValueOrDefault(key) ?? throw new NotFoundException("Content type", key);
    }

    public async ValueTask<DefinitionRecord<ComponentDefinition>> GetComponentAsync(string key, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken);
        return snapshot.Components.GetValueOrDefault(key) ?? throw new NotFoundException("Component", key);
    }

    /// <summary>Definitions in key order, one page at a time.</summary>
    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        string documentType,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => ListDocumentsAsync(documentType, limit, after, cancellationToken);

    public Task<DefinitionRecord<ContentType>> CreateContentTypeAsync(ContentType type, CancellationToken cancellationToken) =>
        SaveContentTypeAsync(type, routeKey: null, ifMatch: null, create: true, cancellationToken);

    public Task<DefinitionRecord<ContentType>> ReplaceContentTypeAsync(
        string key,
        ContentType type,
        string? ifMatch,
        CancellationToken cancellationToken
    ) => SaveContentTypeAsync(type, key, ifMatch, create: false, cancellationToken);

    public Task<DefinitionRecord<ComponentDefinition>> CreateComponentAsync(
        ComponentDefinition component,
        CancellationToken cancellationToken
    ) => SaveComponentAsync(component, routeKey: null, ifMatch: null, create: true, cancellationToken);

    public Task<DefinitionRecord<ComponentDefinition>> ReplaceComponentAsync(
        string key,
        ComponentDefinition component,
        string? ifMatch,
        CancellationToken cancellationToken
    ) => SaveComponentAsync(component, key, ifMatch, create: false, cancellationToken);

    private async Task<DefinitionRecord<ContentType>> SaveContentTypeAsync(
        ContentType type,
        string? routeKey,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        CheckRouteKey(routeKey, type.Key);
        var snapshot = await ReloadAsync(cancellationToken);
        var current = snapshot.Types.GetValueOrDefault(type.Key);
        if (!create && current is null)
        {
            throw new NotFoundException("Content type", type.Key);
        }
        DefinitionRules.ValidateContentType(type, snapshot);
        if (current is not null)
        {
            type = type with
            {
                BuiltIn = current.Definition.BuiltIn,
                SystemWritten = current.Definition.SystemWritten,
                ReadPermission = current.Definition.ReadPermission,
                Version = current.Definition.Version,
            };
            if (!create)
            {
                DefinitionRules.ValidateContentTypeChange(current.Definition, type);
            }
        }
        var saved = await SaveAsync(
            type,
            type.Key,
            ContentTypeDocument,
            current,
            ifMatch,
            create,
            t => t with { Version = t.Version + 1 },
            cancellationToken
        );
        var schema = snapshot.Compile(saved.Definition);
        await Store.EnsureIndexesAsync(schema.Container, schema.Key, schema.IndexedPaths, cancellationToken);
        return saved;
    }

    private async Task<DefinitionRecord<ComponentDefinition>> SaveComponentAsync(
        ComponentDefinition component,
        string? routeKey,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        CheckRouteKey(routeKey, component.Key);
        var snapshot = await ReloadAsync(cancellationToken);
        var current = snapshot.Components.GetValueOrDefault(component.Key);
        if (!create && current is null)
        {
            throw new NotFoundException("Component", component.Key);
        }
        DefinitionRules.ValidateComponent(component, snapshot);
        if (current is not null)
        {
            component = component with { BuiltIn = current.Definition.BuiltIn, Version = current.Definition.Version };
            if (!create)
            {
                DefinitionRules.ValidateComponentChange(current.Definition, component);
            }
        }
        var saved = await SaveAsync(
            component,
            component.Key,
            ComponentDocument,
            current,
            ifMatch,
            create,
            c => c with { Version = c.Version + 1 },
            cancellationToken
        );
        var updated = snapshot.WithComponent(saved);
        foreach (var type in updated.TypesUsing(component.Key))
        {
            var schema = updated.GetSchema(type)!;
            await Store.EnsureIndexesAsync(schema.Container, schema.Key, schema.IndexedPaths, cancellationToken);
        }
        return saved;
    }

    private async Task<DefinitionRecord<T>> SaveAsync<T>(
        T definition,
        string key,
        string documentType,
        DefinitionRecord<T>? current,
        string? ifMatch,
        bool create,
        Func<T, T> nextVersion,
        CancellationToken cancellationToken
    )
        where T : class
    {
        var (saved, written) = await WriteAsync(
            documentType,
            key,
            definition,
            create ? null : current,
            ifMatch,
            nextVersion,
            cancellationToken
        );
        if (!written)
        {
            return saved;
        }
        Invalidate();
        LogDefinitionSaved(logger, documentType, key);
        if (audit is not null)
        {
            var action = documentType == ContentTypeDocument ? Audit.AuditActions.ContentTypeSaved : Audit.AuditActions.ComponentSaved;
            await audit.RecordAsync(action, documentType, key, details: new { created = create }, cancellationToken: cancellationToken);
        }
        return saved;
    }

    public async Task DeleteContentTypeAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var snapshot = await ReloadAsync(cancellationToken);
        var current = snapshot.Types.GetValueOrDefault(key) ?? throw new NotFoundException("Content type", key);
        if (current.Definition.BuiltIn)
        {
            throw new ConflictException("built-in", $"The built-in content type '{key}' cannot be deleted.");
        }
        var referrers = snapshot
            .Types.Values.Where(t => t.Definition.Key != key && t.Definition.Fields.Any(f => f.Target == key))
            .Select(t => t.Definition.Key)
            .ToList();
        if (referrers.Count > 0)
        {
            throw new ConflictException("in-use", $"Content types {string.Join(", ", referrers)} have relations to '{key}'.");
        }
        var schema = snapshot.GetSchema(key)!;
        if (await Store.CountAsync(schema.Container, key, null, cancellationToken) > 0)
        {
            throw new ConflictException("has-entries", $"'{key}' still has entries; delete them first.");
        }
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        if (audit is not null)
        {
            await audit.RecordAsync(Audit.AuditActions.ContentTypeDeleted, ContentTypeDocument, key, cancellationToken: cancellationToken);
        }
    }

    public async Task DeleteComponentAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var snapshot = await ReloadAsync(cancellationToken);
        var current = snapshot.Components.GetValueOrDefault(key) ?? throw new NotFoundException("Component", key);
        if (current.Definition.BuiltIn)
        {
            throw new ConflictException("built-in", $"The built-in component '{key}' cannot be deleted.");
        }
        var users = snapshot.TypesUsing(key).Concat(snapshot.ComponentsUsing(key)).ToList();
        if (users.Count > 0)
        {
            throw new ConflictException("in-use", $"'{key}' is used by {string.Join(", ", users)}.");
        }
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        if (audit is not null)
        {
            await audit.RecordAsync(Audit.AuditActions.ComponentDeleted, ComponentDocument, key, cancellationToken: cancellationToken);
        }
    }

    protected override async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var types = await LoadAllAsync<ContentType>(ContentTypeDocument, cancellationToken);
        var components = await LoadAllAsync<ComponentDefinition>(ComponentDocument, cancellationToken);
        return new Snapshot(
            types.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal),
            components.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal)
        );
    }

    /// <summary>Every content type and component at one moment, with their compiled schemas.</summary>
    public sealed class Snapshot(
        FrozenDictionary<string, DefinitionRecord<ContentType>> types,
        FrozenDictionary<string, DefinitionRecord<ComponentDefinition>> components
    ) : DefinitionRules.IDefinitionLookup
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ContentSchema> _schemas = new(StringComparer.Ordinal);

        public FrozenDictionary<string, DefinitionRecord<ContentType>> Types { get; } = types;

        public FrozenDictionary<string, DefinitionRecord<ComponentDefinition>> Components { get; } = components;

        public ComponentDefinition? FindComponent(string key) => Components.GetValueOrDefault(key)?.Definition;

        public bool ContentTypeExists(string key) => Types.ContainsKey(key);

        public ContentSchema? GetSchema(string key)
        {
            if (_schemas.TryGetValue(key, out var schema))
            {
                return schema;
            }
            return Types.TryGetValue(key, out var record) ? _schemas.GetOrAdd(key, Compile(record.Definition)) : null;
        }

        /// <summary>A schema for <paramref name="type"/> with the components this snapshot holds.</summary>
        public ContentSchema Compile(ContentType type)
        {
            var resolved = new Dictionary<string, ComponentDefinition>(StringComparer.Ordinal);
            Collect(type.Fields, resolved);
            return new ContentSchema(type, resolved);
        }

        /// <summary>This snapshot with one component replaced (to compile schemas right after a save).</summary>
        public Snapshot WithComponent(DefinitionRecord<ComponentDefinition> component)
        {
            var components = new Dictionary<string, DefinitionRecord<ComponentDefinition>>(Components, StringComparer.Ordinal)
            {
                [component.Definition.Key] = component,
            };
            return new(Types, components.ToFrozenDictionary(StringComparer.Ordinal));
        }

        public IEnumerable<string> TypesUsing(string component) =>
            Types.Values.Where(t => Uses(t.Definition.Fields, component, [])).Select(t => t.Definition.Key);

        public IEnumerable<string> ComponentsUsing(string component) =>
            Components
                .Values.Where(c => c.Definition.Key != component && Uses(c.Definition.Fields, component, []))
                .Select(c => "component " + c.Definition.Key);

        private bool Uses(IEnumerable<FieldDefinition> fields, string component, HashSet<string> seen)
        {
            foreach (var field in fields)
            {
                foreach (var key in ComponentKeys(field))
                {
                    if (key == component)
                    {
                        return true;
                    }
                    if (seen.Add(key) && FindComponent(key) is { } child && Uses(child.Fields, component, seen))
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        private void Collect(IEnumerable<FieldDefinition> fields, Dictionary<string, ComponentDefinition> resolved)
        {
            foreach (var field in fields)
            {
                foreach (var key in ComponentKeys(field))
                {
                    if (!resolved.ContainsKey(key) && FindComponent(key) is { } component)
                    {
                        resolved[key] = component;
                        Collect(component.Fields, resolved);
                    }
                }
            }
        }

        private static IEnumerable<string> ComponentKeys(FieldDefinition field) =>
            field.Type switch
            {
                FieldType.Component when field.Component is not null => [field.Component],
                FieldType.DynamicZone => field.Components,
                _ => [],
            };
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Created built-in {DocumentType} {Key}")]
    private static partial void LogBuiltInCreated(ILogger logger, string documentType, string key);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Saved {DocumentType} {Key}")]
    private static partial void LogDefinitionSaved(ILogger logger, string documentType, string key);
}
