using Cx.Core.Rules;

namespace Cx.Core.Documents;

/// <summary>
/// The document store port: point operations with optimistic concurrency, unique values,
/// indexed keyset queries. Every successful write reaches the change feed
/// (<see cref="IChangeFeed"/>), in commit order within a partition. A store may fold several
/// writes to one document that land between two reads of a consumer into the latest one
/// (Cosmos DB's latest-version feed does; SQLite delivers each write): a consumer always sees
/// a document's latest state, never an older version after a newer one.
/// </summary>
/// <remarks>
/// Errors: <see cref="DocumentExistsException"/>, <see cref="UniqueValueTakenException"/>,
/// <see cref="DocumentNotFoundException"/>, <see cref="ETagMismatchException"/>. A failed write
/// changes nothing.
/// </remarks>
public interface IDocumentStore
{
    /// <summary>Creates the containers, tables and checkpoints the store needs. Idempotent.</summary>
    ValueTask InitializeAsync(CancellationToken cancellationToken);

    ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken);

    /// <summary>Reads many documents in one round trip; missing ones are absent from the result.</summary>
    ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    );

    /// <summary>Creates a document; fails when the id already exists in the partition.</summary>
    ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces an existing document. <paramref name="ifMatch"/> (unquoted ETag, or <c>*</c>)
    /// must equal the stored ETag when given.
    /// </summary>
    ValueTask<StoredDocument> ReplaceAsync(string container, DocumentWrite document, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>Creates or replaces a document.</summary>
    ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken);

    /// <summary>Deletes a document and releases its unique values.</summary>
    ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>Runs a keyset-paginated query; see <see cref="DocumentQuery"/>.</summary>
    ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken);

    /// <summary>Counts the documents that match a filter (no paging).</summary>
    ValueTask<long> CountAsync(string container, string type, Condition? filter, CancellationToken cancellationToken);

    /// <summary>
    /// Declares the fields of a document type that queries filter and sort on, so the store
    /// can index them (SQLite expression indexes; Cosmos composite indexes). Idempotent.
    /// </summary>
    ValueTask EnsureIndexesAsync(string container, string type, IReadOnlyList<FieldPath> fields, CancellationToken cancellationToken);
}
