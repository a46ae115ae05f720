using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Flags;

/// <summary>
/// The document store with every write of a unit's exposure document (definitions container,
/// partition <c>flagExposure.{unit}</c>) reported to <see cref="FlagExposureCache"/> once it has
/// returned (committed or failed: an extra miss is harmless, a missed write is not), before the
/// caller answers. Every write path goes through <see cref="IDocumentStore"/>, so none can leave a
/// stale exposure behind in this process. Reads and other writes pass through.
/// </summary>
public sealed class ExposureSignallingDocumentStore(IDocumentStore inner, FlagExposureCache cache) : IDocumentStore
{
    private const string Prefix = FlagDocuments.Exposure + ".";

    /// <summary>The store this one wraps.</summary>
    public IDocumentStore Inner => inner;

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken) =>
        inner.ReadAsync(container, key, cancellationToken);

    public ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    ) => inner.ReadManyAsync(container, keys, cancellationToken);

    public ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        Unit(container, document.PartitionKey) is { } unit
            ? SignalAsync(unit, () => inner.CreateAsync(container, document, cancellationToken))
            : inner.CreateAsync(container, document, cancellationToken);

    public ValueTask<StoredDocument> ReplaceAsync(
        string container,
        DocumentWrite document,
        string? ifMatch,
        CancellationToken cancellationToken
    ) =>
        Unit(container, document.PartitionKey) is { } unit
            ? SignalAsync(unit, () => inner.ReplaceAsync(container, document, ifMatch, cancellationToken))
            : inner.ReplaceAsync(container, document, ifMatch, cancellationToken);

    public ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        Unit(container, document.PartitionKey) is { } unit
            ? SignalAsync(unit, () => inner.UpsertAsync(container, document, cancellationToken))
            : inner.UpsertAsync(container, document, cancellationToken);

    public async ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken)
    {
        if (Unit(container, key.PartitionKey) is not { } unit)
        {
            await inner.DeleteAsync(container, key, ifMatch, cancellationToken);
            return;
        }
        try
        {
            await inner.DeleteAsync(container, key, ifMatch, cancellationToken);
        }
        finally
        {
            cache.Written(unit);
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

    /// <summary>The unit whose exposure document lives in this partition, or null for any other document.</summary>
    internal static string? Unit(string container, string partitionKey) =>
        container == Containers.Definitions && partitionKey.StartsWith(Prefix, StringComparison.Ordinal)
            ? partitionKey[Prefix.Length..]
            : null;

    private async ValueTask<StoredDocument> SignalAsync(string unit, Func<ValueTask<StoredDocument>> write)
    {
        try
        {
            return await write();
        }
        finally
        {
            cache.Written(unit);
        }
    }
}
