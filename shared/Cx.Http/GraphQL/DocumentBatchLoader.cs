using Cx.Core.Documents;
using GraphQL.DataLoader;

namespace Cx.Http.GraphQL;

/// <summary>
/// The per-request batch loader of stored documents, written against GraphQL.NET's own
/// <see cref="IDataLoaderResult"/>: a resolver asks for a key and gets a pending result; the
/// execution strategy collects every pending result of a level before it awaits the first, so
/// all keys asked for on that level (the relations of a page of 25 customers, say) are read with
/// one <see cref="IDocumentStore.ReadManyAsync"/> per container. Documents read once are kept
/// for the rest of the request.
/// </summary>
public sealed class DocumentBatchLoader(IDocumentStore store)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Container, DocumentKey Key), StoredDocument?> _loaded = [];
    private readonly Dictionary<string, HashSet<DocumentKey>> _pending = new(StringComparer.Ordinal);

    /// <summary>Round trips to the store made by this loader (for tests and metrics).</summary>
    public int RoundTrips { get; private set; }

    public IDataLoaderResult<StoredDocument?> Load(string container, DocumentKey key)
    {
        lock (_gate)
        {
            if (!_loaded.ContainsKey((container, key)))
            {
                if (!_pending.TryGetValue(container, out var keys))
                {
                    _pending[container] = keys = [];
                }
                keys.Add(key);
            }
        }
        return new Pending<StoredDocument?>(async cancellationToken =>
        {
            await DispatchAsync(container, cancellationToken);
            lock (_gate)
            {
                return _loaded.GetValueOrDefault((container, key));
            }
        });
    }

    private async Task DispatchAsync(string container, CancellationToken cancellationToken)
    {
        List<DocumentKey> keys;
        lock (_gate)
        {
            if (!_pending.Remove(container, out var set) || set.Count == 0)
            {
                return;
            }
            keys = [.. set];
            RoundTrips++;
        }
        var documents = await store.ReadManyAsync(container, keys, cancellationToken);
        lock (_gate)
        {
            foreach (var key in keys)
            {
                _loaded.TryAdd((container, key), null);
            }
            foreach (var document in documents)
            {
                _loaded[(container, document.Key)] = document;
            }
        }
    }

    /// <summary>A value computed when the execution strategy asks for it (after the level has been collected).</summary>
    public sealed class Pending<T>(Func<CancellationToken, Task<T>> load) : IDataLoaderResult<T>
    {
        private Task<T>? _task;

        public Task<T> GetResultAsync(CancellationToken cancellationToken = default) => _task ??= load(cancellationToken);

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            await GetResultAsync(cancellationToken);
    }
}
