using Cx.Core.Common;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Content;

/// <summary>
/// What every definition registry (content types, event types, segments, journeys) shares:
/// definition documents in the definitions container, partitioned by their document type, listed
/// in key order a page at a time, loaded whole into a <typeparamref name="TSnapshot"/>, and created,
/// replaced and deleted with ETags. Built with cache options, a registry keeps its snapshot in memory
/// for <see cref="ContentOptions.DefinitionCacheSeconds"/> and reloads it one caller at a time
/// (<see cref="CachedSnapshot{T}"/>); a save on this instance invalidates it, other instances see
/// the save within that time. Without them every snapshot is read from the store. Each registry
/// keeps only its own rules: validation, versions, what a change touches, audit.
/// </summary>
public abstract class DefinitionRegistry<TSnapshot>(IDocumentStore store, TimeProvider time, IOptions<ContentOptions>? cache) : IDisposable
    where TSnapshot : class
{
    /// <summary>Documents read per query when a registry loads all of its definitions.</summary>
    public const int LoadPageSize = 500;

    private CachedSnapshot<TSnapshot>? _cache;

    protected IDocumentStore Store => store;

    protected TimeProvider Time => time;

    /// <summary>Now, in the canonical form documents record times in.</summary>
    protected string Now() => Instants.Format(time.GetUtcNow());

    /// <summary>Reads every definition the snapshot holds from the store.</summary>
    protected abstract Task<TSnapshot> LoadAsync(CancellationToken cancellationToken);

    /// <summary>The snapshot: the cached one while it is fresh, else a loaded one.</summary>
    protected ValueTask<TSnapshot> GetSnapshotAsync(CancellationToken cancellationToken) =>
        Cache?.GetAsync(cancellationToken) ?? new ValueTask<TSnapshot>(LoadAsync(cancellationToken));

    /// <summary>A snapshot loaded now, whatever the age of the cached one (before a read-modify-write).</summary>
    protected Task<TSnapshot> ReloadAsync(CancellationToken cancellationToken) =>
        Cache?.ReloadAsync(cancellationToken) ?? LoadAsync(cancellationToken);

    /// <summary>Drops the cached snapshot; the next read reloads every definition.</summary>
    public void Invalidate() => _cache?.Invalidate();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cache?.Dispose();
        }
    }

    private CachedSnapshot<TSnapshot>? Cache =>
        cache is null ? null
        : _cache is { } existing ? existing
        : LazyInitializer.EnsureInitialized(
            ref _cache,
            () => new CachedSnapshot<TSnapshot>(LoadAsync, () => TimeSpan.FromSeconds(cache.Value.DefinitionCacheSeconds), time)
        );

    /// <summary>Definitions of one document type in key order, one page at a time.</summary>
    protected async ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListDocumentsAsync(
        string documentType,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    )
    {
        var page = await store.QueryAsync(
            Containers.Definitions,
            new DocumentQuery
            {
                Type = documentType,
                PartitionKey = documentType,
                Limit = limit,
                After = after,
            },
            cancellationToken
        );
        return (page.Items, page.Next);
    }

    /// <summary>Every definition of one document type, in key order, read page by page.</summary>
    protected async Task<List<DefinitionRecord<T>>> LoadAllAsync<T>(string documentType, CancellationToken cancellationToken)
        where T : class
    {
        var records = new List<DefinitionRecord<T>>();
        Keyset? after = null;
        do
        {
            var (items, next) = await ListDocumentsAsync(documentType, LoadPageSize, after, cancellationToken);
            foreach (var item in items)
            {
                records.Add(new DefinitionRecord<T>(DefinitionDocuments.FromDocument<T>(item), item));
            }
            after = next;
        } while (after is not null);
        return records;
    }

    /// <summary>One definition as stored now (never a cached copy), or null when there is none.</summary>
    protected async ValueTask<DefinitionRecord<T>?> ReadAsync<T>(string documentType, string key, CancellationToken cancellationToken)
        where T : class
    {
        var document = await store.ReadAsync(Containers.Definitions, new DocumentKey(documentType, key), cancellationToken);
        return document is null || document.Type != documentType
            ? null
            : new DefinitionRecord<T>(DefinitionDocuments.FromDocument<T>(document), document);
    }

    /// <summary>Creates a built-in definition when it is missing; false when it exists (another instance may create it first).</summary>
    protected async Task<bool> EnsureBuiltInAsync<T>(string documentType, string key, T definition, CancellationToken cancellationToken)
        where T : class
    {
        if (await store.ReadAsync(Containers.Definitions, new DocumentKey(documentType, key), cancellationToken) is not null)
        {
            return false;
        }
        try
        {
            await CreateDocumentAsync(documentType, key, definition, cancellationToken);
            return true;
        }
        catch (DocumentExistsException)
        {
            return false;
        }
    }

    /// <summary>The document of a new definition (409 when the key is taken).</summary>
    protected async Task<StoredDocument> CreateDocumentAsync<T>(
        string documentType,
        string key,
        T definition,
        CancellationToken cancellationToken
    )
        where T : class
    {
        var now = Now();
        return await store.CreateAsync(
            Containers.Definitions,
            new DocumentWrite(key, documentType, documentType, DefinitionDocuments.ToJson(definition, key, documentType, now, now)),
            cancellationToken
        );
    }

    /// <summary>
    /// Replaces the document of <paramref name="current"/>, keeping its creation time, conditional on
    /// <paramref name="ifMatch"/> or else on the ETag it was read with (412 when it moved on meanwhile).
    /// </summary>
    protected async Task<StoredDocument> ReplaceDocumentAsync<T>(
        string documentType,
        string key,
        T definition,
        StoredDocument current,
        string? ifMatch,
        CancellationToken cancellationToken
    )
        where T : class
    {
        var json = DefinitionDocuments.ToJson(definition, key, documentType, DefinitionDocuments.CreatedAt(current), Now());
        return await store.ReplaceAsync(
            Containers.Definitions,
            new DocumentWrite(key, documentType, documentType, json),
            ifMatch ?? current.ETag,
            cancellationToken
        );
    }

    /// <summary>
    /// Writes a definition: a new document when <paramref name="current"/> is null, else a replace
    /// (412 when <paramref name="ifMatch"/> names another version) with the version moved on by
    /// <paramref name="nextVersion"/>, unless nothing changed: then nothing is written (no change
    /// event) and the current record comes back with <c>Written = false</c>.
    /// </summary>
    protected async Task<(DefinitionRecord<T> Record, bool Written)> WriteAsync<T>(
        string documentType,
        string key,
        T definition,
        DefinitionRecord<T>? current,
        string? ifMatch,
        Func<T, T> nextVersion,
        CancellationToken cancellationToken
    )
        where T : class
    {
        if (current is null)
        {
            return (new(definition, await CreateDocumentAsync(documentType, key, definition, cancellationToken)), true);
        }
        CheckIfMatch(ifMatch, current.Document);
        if (EqualityComparer<T>.Default.Equals(definition, current.Definition))
        {
            return (current, false);
        }
        definition = nextVersion(definition);
        return (
            new(definition, await ReplaceDocumentAsync(documentType, key, definition, current.Document, ifMatch, cancellationToken)),
            true
        );
    }

    /// <summary>Deletes the document of a definition, conditional on <paramref name="ifMatch"/> or the ETag it was read with.</summary>
    protected async Task DeleteDocumentAsync(StoredDocument current, string? ifMatch, CancellationToken cancellationToken) =>
        await store.DeleteAsync(Containers.Definitions, current.Key, ifMatch ?? current.ETag, cancellationToken);

    /// <summary>412 when the client's If-Match names another version than the current document (<c>*</c> matches any).</summary>
    protected static void CheckIfMatch(string? ifMatch, StoredDocument current)
    {
        if (ifMatch is not null && ifMatch != "*" && ifMatch != current.ETag)
        {
            throw new ETagMismatchException(current.Key);
        }
    }

    /// <summary>400 on <c>/key</c> when a replace names another key in the body than in the URL.</summary>
    protected static void CheckRouteKey(string? routeKey, string key)
    {
        if (routeKey is not null && key != routeKey)
        {
            throw new ValidationException(DefinitionDocuments.KeyMismatch(routeKey));
        }
    }
}

/// <summary>
/// A registry of one document type whose definitions the API creates and replaces one at a time
/// (event types, journeys): the list, create and replace operations; the registry says what a save means.
/// </summary>
public abstract class DefinitionTypeRegistry<TDefinition, TSnapshot>(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions>? cache,
    string documentType
) : DefinitionRegistry<TSnapshot>(store, time, cache)
    where TDefinition : class
    where TSnapshot : class
{
    /// <summary>Definitions in key order, one page at a time.</summary>
    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => ListDocumentsAsync(documentType, limit, after, cancellationToken);

    /// <summary>
    /// Replaces the definition the route names: 400 when the body names another key, 404 when it is
    /// missing, 412 on a stale If-Match; an unchanged definition is not written.
    /// </summary>
    public Task<DefinitionRecord<TDefinition>> ReplaceAsync(
        string key,
        TDefinition definition,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        CheckRouteKey(key, KeyOf(definition));
        return SaveAsync(definition, ifMatch, create: false, cancellationToken);
    }

    /// <summary>Creates a definition (409 when its key is taken).</summary>
    public Task<DefinitionRecord<TDefinition>> CreateAsync(TDefinition definition, CancellationToken cancellationToken) =>
        SaveAsync(definition, ifMatch: null, create: true, cancellationToken);

    /// <summary>The key of a definition (its document id).</summary>
    protected abstract string KeyOf(TDefinition definition);

    /// <summary>Checks and writes a definition by the registry's rules (the route key is already checked).</summary>
    protected abstract Task<DefinitionRecord<TDefinition>> SaveAsync(
        TDefinition definition,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    );
}
