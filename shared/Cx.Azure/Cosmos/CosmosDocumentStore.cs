using System.Net;
using System.Text.Json;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure.Cosmos;

/// <summary>
/// The Cosmos DB document store (Microsoft.Azure.Cosmos, stream APIs: bodies pass through as
/// UTF-8 bytes). Semantics follow the SQLite store:
/// <list type="bullet">
/// <item>Point operations by id and partition key (<c>/pk</c>); ETags unquoted; If-Match via the
/// ETag the store read just before writing, so a concurrent change is a 412
/// (<see cref="ETagMismatchException"/>) when the caller gave an ETag, and a retry otherwise.</item>
/// <item>Unique values through reservation documents (<see cref="CosmosUniqueValues"/>), claimed
/// before the write and released after it; a failed write releases what it claimed.</item>
/// <item>Deletes replace the document with a tombstone (<c>_deleted</c>, per-item <c>ttl</c>), so
/// the latest-version change feed shows them; tombstones read as missing and are excluded
/// from queries, counts and ReadMany, and a create over a tombstone revives the id.</item>
/// <item>Queries are keyset pages in parameterised Cosmos SQL (<see cref="CosmosQueryBuilder"/>),
/// backed by composite indexes (<see cref="CosmosIndexes"/>).</item>
/// </list>
/// </summary>
public sealed partial class CosmosDocumentStore : IDocumentStore
{
    private const int MaxAttempts = 5;
    private const int ReadManyChunk = 100;
    private static readonly ItemRequestOptions NoContent = new() { EnableContentResponseOnWrite = false };

    private readonly CosmosContainers _containers;
    private readonly CosmosIndexes _indexes;
    private readonly CosmosUniqueValues _uniques;
    private readonly ICosmosQueryRunner _queries;
    private readonly TimeProvider _time;
    private readonly CosmosOptions _options;
    private readonly ILogger _logger;

    internal CosmosDocumentStore(
        CosmosContainers containers,
        CosmosIndexes indexes,
        CosmosUniqueValues uniques,
        ICosmosQueryRunner queries,
        TimeProvider time,
        IOptions<CosmosOptions> options,
        ILogger<CosmosDocumentStore> logger
    )
    {
        _containers = containers;
        _indexes = indexes;
        _uniques = uniques;
        _queries = queries;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    private enum WriteMode
    {
        Create,
        Replace,
        Upsert,
    }

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => _containers.InitializeAsync(cancellationToken);

    public async ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken)
    {
        var item = await ReadItemAsync(container, key, cancellationToken);
        return item is { Deleted: false } ? item.ToStoredDocument() : null;
    }

    /// <summary>
    /// Groups the keys by partition: one point read for a single id, one single-partition query
    /// per 100 ids otherwise, in parallel. (The SDK's ReadMany is not used: the local protocol
    /// server cannot serve it, and this shape costs the same on Cosmos DB.)
    /// </summary>
    public async ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    )
    {
        _containers.Product(container);
        var work = keys.Distinct()
            .Where(k => IsValidId(k.Id))
            .GroupBy(k => k.PartitionKey, StringComparer.Ordinal)
            .SelectMany(g => g.Select(k => k.Id).Chunk(ReadManyChunk).Select(ids => (PartitionKey: g.Key, Ids: ids)))
            .ToList();
        var results = new List<StoredDocument>(keys.Count);
        var gate = new Lock();
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelRequests, CancellationToken = cancellationToken },
            async (chunk, token) =>
            {
                List<StoredDocument> found = [];
                if (chunk.Ids.Length == 1)
                {
                    var item = await ReadItemAsync(container, new DocumentKey(chunk.PartitionKey, chunk.Ids[0]), token);
                    if (item is { Deleted: false })
                    {
                        found.Add(item.ToStoredDocument());
                    }
                }
                else
                {
                    var sql = CosmosQueryBuilder.ReadMany(chunk.PartitionKey, chunk.Ids);
                    var items = await _queries.QueryAsync(container, sql, chunk.PartitionKey, int.MaxValue, token);
                    found.AddRange(items.Select(i => CosmosItems.Read(i).ToStoredDocument()));
                }
                lock (gate)
                {
                    results.AddRange(found);
                }
            }
        );
        return results;
    }

    public async ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        await WriteAsync(container, document, WriteMode.Create, ifMatch: null, cancellationToken);

    public async ValueTask<StoredDocument> ReplaceAsync(
        string container,
        DocumentWrite document,
        string? ifMatch,
        CancellationToken cancellationToken
    ) => await WriteAsync(container, document, WriteMode.Replace, ifMatch, cancellationToken);

    public async ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        await WriteAsync(container, document, WriteMode.Upsert, ifMatch: null, cancellationToken);

    public async ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken)
    {
        var target = _containers.Product(container);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = await ReadItemAsync(container, key, cancellationToken);
            if (current is null or { Deleted: true })
            {
                throw new DocumentNotFoundException(container, key);
            }
            if (IsSpecific(ifMatch) && ifMatch != current.ETag)
            {
                throw new ETagMismatchException(key);
            }
            var tombstone = CosmosItems.Tombstone(key, current.Type, _options.TombstoneTtlSeconds);
            using var response = await target.ReplaceItemStreamAsync(
                new MemoryStream(tombstone),
                key.Id,
                new PartitionKey(key.PartitionKey),
                IfMatch(current.RawETag),
                cancellationToken
            );
            if (response.IsSuccessStatusCode)
            {
                await _uniques.ReleaseAsync(container, key, current.UniqueIds, cancellationToken);
                return;
            }
            switch (response.StatusCode)
            {
                case HttpStatusCode.PreconditionFailed when IsSpecific(ifMatch):
                    throw new ETagMismatchException(key);
                case HttpStatusCode.PreconditionFailed:
                    LogWriteRaced(_logger, container, key.Id, attempt);
                    continue;
                case HttpStatusCode.NotFound:
                    throw new DocumentNotFoundException(container, key);
                default:
                    response.EnsureSuccessStatusCode();
                    break;
            }
        }
        throw Contended(container, key);
    }

    public async ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken)
    {
        _containers.Product(container);
        var sql = CosmosQueryBuilder.Page(query);
        await _indexes.EnsureSortAsync(container, query.Sort, cancellationToken);
        var items = await _queries.QueryAsync(container, sql, query.PartitionKey, query.Limit + 1, cancellationToken);
        var count = Math.Min(items.Count, query.Limit);
        var documents = new List<StoredDocument>(count);
        for (var i = 0; i < count; i++)
        {
            documents.Add(CosmosItems.Read(items[i]).ToStoredDocument());
        }
        Keyset? next = null;
        if (items.Count > query.Limit)
        {
            var last = items[query.Limit - 1];
            next = new Keyset([.. query.Sort.Select(s => CosmosItems.SortValue(last, s.Field))], documents[^1].Id);
        }
        return new DocumentPage(documents, next);
    }

    public async ValueTask<long> CountAsync(string container, string type, Condition? filter, CancellationToken cancellationToken)
    {
        _containers.Product(container);
        var results = await _queries.QueryAsync(container, CosmosQueryBuilder.Count(type, filter), null, int.MaxValue, cancellationToken);
        // Cross-partition aggregates may arrive as one value per page: their sum is the count.
        return results.Where(r => r.ValueKind == JsonValueKind.Number).Sum(r => r.GetInt64());
    }

    public ValueTask EnsureIndexesAsync(string container, string type, IReadOnlyList<FieldPath> fields, CancellationToken cancellationToken)
    {
        _containers.Product(container);
        return _indexes.EnsureFieldsAsync(container, fields, cancellationToken);
    }

    /// <summary>
    /// One write, retried on races. A create reads first only when it claims unique values (so a
    /// duplicate create fails as DocumentExists before claiming anything); replace, upsert and
    /// the retry of a conflicting create read the current item, check the caller's ETag, claim
    /// the new unique values and write conditionally on the ETag just read.
    /// </summary>
    private async Task<StoredDocument> WriteAsync(
        string container,
        DocumentWrite document,
        WriteMode mode,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var target = _containers.Product(container);
        var key = document.Key;
        var partitionKey = new PartitionKey(key.PartitionKey);
        string[] uniqueIds = [.. document.UniqueValues.Select(CosmosUniqueValues.ReservationId).Distinct()];
        var body = CosmosItems.Encode(document, uniqueIds);
        var read = mode != WriteMode.Create || uniqueIds.Length > 0;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var current = read ? await ReadItemAsync(container, key, cancellationToken) : null;
            read = true;
            var live = current is { Deleted: false } ? current : null;
            if (live is not null && mode == WriteMode.Create)
            {
                throw new DocumentExistsException(container, key);
            }
            if (live is null && mode == WriteMode.Replace)
            {
                throw new DocumentNotFoundException(container, key);
            }
            if (live is not null && IsSpecific(ifMatch) && ifMatch != live.ETag)
            {
                throw new ETagMismatchException(key);
            }

            var claimStarted = _time.GetTimestamp();
            var acquired = await _uniques.ClaimAsync(container, key, document.UniqueValues, live?.UniqueIds ?? [], cancellationToken);
            ResponseMessage response;
            try
            {
                response = current is null
                    ? await target.CreateItemStreamAsync(new MemoryStream(body), partitionKey, NoContent, cancellationToken)
                    : await target.ReplaceItemStreamAsync(
                        new MemoryStream(body),
                        key.Id,
                        partitionKey,
                        IfMatch(current.RawETag),
                        cancellationToken
                    );
            }
            catch
            {
                await _uniques.ReleaseAsync(container, key, acquired, CancellationToken.None);
                throw;
            }
            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    var rawETag = response.Headers.ETag ?? "";
                    var lost = await _uniques.LostReservationAsync(container, key, acquired, claimStarted, cancellationToken);
                    if (lost is not null)
                    {
                        await UndoAsync(container, document, rawETag, live, acquired, cancellationToken);
                        throw new UniqueValueTakenException(
                            document.UniqueValues.First(v => CosmosUniqueValues.ReservationId(v) == lost.Id),
                            lost.Owner.Id
                        );
                    }
                    if (live is not null)
                    {
                        await _uniques.ReleaseAsync(
                            container,
                            key,
                            live.UniqueIds.Except(uniqueIds, StringComparer.Ordinal),
                            cancellationToken
                        );
                    }
                    return new StoredDocument(
                        document.Id,
                        document.PartitionKey,
                        document.Type,
                        CosmosItems.Unquote(rawETag),
                        document.Json
                    );
                }
                await _uniques.ReleaseAsync(container, key, acquired, CancellationToken.None);
                switch (response.StatusCode)
                {
                    // Created meanwhile, or a tombstone holds the id: read it and decide again.
                    case HttpStatusCode.Conflict when current is null:
                        LogWriteRaced(_logger, container, key.Id, attempt);
                        continue;
                    case HttpStatusCode.PreconditionFailed when IsSpecific(ifMatch):
                        throw new ETagMismatchException(key);
                    case HttpStatusCode.PreconditionFailed:
                        LogWriteRaced(_logger, container, key.Id, attempt);
                        continue;
                    // The item (or its expired tombstone) disappeared since it was read.
                    case HttpStatusCode.NotFound when mode == WriteMode.Replace:
                        throw new DocumentNotFoundException(container, key);
                    case HttpStatusCode.NotFound:
                        LogWriteRaced(_logger, container, key.Id, attempt);
                        continue;
                    default:
                        response.EnsureSuccessStatusCode();
                        break;
                }
            }
        }
        throw Contended(container, key);
    }

    /// <summary>
    /// Reverts a write that lost a unique reservation while it stalled: a created document
    /// becomes a tombstone again, a replaced one gets its previous body back (both conditional on
    /// the ETag of the write being undone), then the other new reservations are released.
    /// </summary>
    private async Task UndoAsync(
        string container,
        DocumentWrite document,
        string rawETag,
        CosmosItem? previous,
        IReadOnlyList<string> acquired,
        CancellationToken cancellationToken
    )
    {
        var key = document.Key;
        try
        {
            var body = previous is null
                ? CosmosItems.Tombstone(key, document.Type, _options.TombstoneTtlSeconds)
                : CosmosItems.Encode(
                    new DocumentWrite(key.Id, key.PartitionKey, previous.Type, CosmosItems.ProductJson(previous.Element)),
                    previous.UniqueIds
                );
            using var response = await _containers
                .Product(container)
                .ReplaceItemStreamAsync(
                    new MemoryStream(body),
                    key.Id,
                    new PartitionKey(key.PartitionKey),
                    IfMatch(rawETag),
                    cancellationToken
                );
            response.EnsureSuccessStatusCode();
        }
        catch (Exception e) when (e is CosmosException or HttpRequestException or OperationCanceledException)
        {
            LogUndoFailed(_logger, container, key.Id, e);
        }
        await _uniques.ReleaseAsync(container, key, acquired, CancellationToken.None);
    }

    private async Task<CosmosItem?> ReadItemAsync(string container, DocumentKey key, CancellationToken cancellationToken)
    {
        var target = _containers.Product(container);
        if (!IsValidId(key.Id))
        {
            return null;
        }
        using var response = await target.ReadItemStreamAsync(
            key.Id,
            new PartitionKey(key.PartitionKey),
            cancellationToken: cancellationToken
        );
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return CosmosItems.Read(document.RootElement.Clone());
    }

    /// <summary>
    /// Cosmos DB expects the ETag exactly as it issued it, so conditions always use the raw
    /// <c>_etag</c> the store read, never a value rebuilt from the caller's unquoted one.
    /// </summary>
    private static ItemRequestOptions IfMatch(string rawETag) => new() { IfMatchEtag = rawETag, EnableContentResponseOnWrite = false };

    private static bool IsSpecific(string? ifMatch) => ifMatch is not null && ifMatch != "*";

    private static bool IsValidId(string id) => id.Length is > 0 and <= 255 && id.AsSpan().IndexOfAny(['/', '\\', '?', '#']) < 0;

    private InvalidOperationException Contended(string container, DocumentKey key)
    {
        LogGaveUp(_logger, container, key.Id, MaxAttempts);
        return new InvalidOperationException($"Document '{key.Id}' in '{container}' kept changing; gave up after {MaxAttempts} attempts.");
    }

    [LoggerMessage(
        EventId = 3030,
        Level = LogLevel.Debug,
        Message = "Write to {Container}/{Id} raced with another writer; retrying (attempt {Attempt})"
    )]
    private static partial void LogWriteRaced(ILogger logger, string container, string id, int attempt);

    [LoggerMessage(
        EventId = 3031,
        Level = LogLevel.Warning,
        Message = "Write to {Container}/{Id} still contended after {Attempts} attempts"
    )]
    private static partial void LogGaveUp(ILogger logger, string container, string id, int attempts);

    [LoggerMessage(
        EventId = 3032,
        Level = LogLevel.Critical,
        Message = "Could not undo the write of {Container}/{Id} after it lost a unique reservation; the value may be held twice"
    )]
    private static partial void LogUndoFailed(ILogger logger, string container, string id, Exception exception);
}
