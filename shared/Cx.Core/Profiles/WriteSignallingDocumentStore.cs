using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Profiles;

/// <summary>
/// The document store with every write reported to <see cref="CustomerListCache"/> once it has
/// returned (committed or failed: an extra expiry is harmless, a missed one is not), before the
/// caller answers. Each write path (create, replace, patch, delete, import, hooks) goes through
/// <see cref="IDocumentStore"/>, so none can leave a stale list page behind. Reads pass through.
/// </summary>
public sealed class WriteSignallingDocumentStore(IDocumentStore inner, CustomerListCache listCache) : IDocumentStore
{
    /// <summary>The adapter's store this one wraps.</summary>
    public IDocumentStore Inner => inner;

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken) =>
        inner.ReadAsync(container, key, cancellationToken);

    public ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    ) => inner.ReadManyAsync(container, keys, cancellationToken);

    public async ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.CreateAsync(container, document, cancellationToken);
        }
        finally
        {
            await listCache.WrittenAsync(container, document.PartitionKey);
        }
    }

    public async ValueTask<StoredDocument> ReplaceAsync(
        string container,
        DocumentWrite document,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        try
        {
            return await inner.ReplaceAsync(container, document, ifMatch, cancellationToken);
        }
        finally
        {
            await listCache.WrittenAsync(container, document.PartitionKey);
        }
    }

    public async ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.UpsertAsync(container, document, cancellationToken);
        }
        finally
        {
            await listCache.WrittenAsync(container, document.PartitionKey);
        }
    }

    public async ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await inner.DeleteAsync(container, key, ifMatch, cancellationToken);
        }
        finally
        {
            await listCache.WrittenAsync(container, key.PartitionKey);
        }
    }

    public ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken) =>
        inner.QueryAsync(container, query, cancellationToken);

    public ValueTask<long> CountAsync(string container, string type, Condition? filter, CancellationToken cancellationToken) =>
        inner.CountAsync(container, type, filter, cancellationToken);

    public ValueTask EnsureIndexesAsync(
        string container,
        string type,
        IReadOnlyList<FieldPath> fields,
        CancellationToken cancellationToken
    ) => inner.EnsureIndexesAsync(container, type, fields, cancellationToken);
}
