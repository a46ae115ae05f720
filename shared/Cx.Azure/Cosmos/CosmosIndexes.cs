using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using System.Net;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Cx.Azure.Cosmos;

/// <summary>
/// Keeps each product container's indexing policy able to serve the store's ORDER BY clauses.
/// Every path is range-indexed by the default policy (filters need nothing more); an ORDER BY
/// on several paths needs a composite index with exactly those paths and directions, and a
/// page query orders by (type, sort fields..., id). <see cref="EnsureFieldsAsync"/> adds
/// (type, field, id) ascending and descending for each declared field ahead of time; a query
/// that sorts on several fields ensures its own combination on first use. Changes are applied
/// by reading the policy and replacing it conditionally (ETag), keeping what others added;
/// what is known to be applied is cached, so the steady state costs no requests.
/// </summary>
/// <remarks>
/// <para>Identity-based access (Microsoft Entra data-plane roles) may read but not change
/// container settings: then the missing indexes are logged as a warning, once, and queries
/// that need them fail until infra adds them (or a key-based run of the set-up does).</para>
/// Cosmos DB builds a new composite index online; until the transformation finishes, an ORDER
/// BY that depends on it may be slower (or rejected for a brand-new container), which is why
/// content types declare their fields ahead of the first query.
/// </remarks>
public sealed partial class CosmosIndexes(CosmosContainers containers, ILogger<CosmosIndexes> logger)
{
    private const int MaxAttempts = 5;
    private readonly ConcurrentDictionary<string, ImmutableHashSet<string>> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>The composite index an ORDER BY over <paramref name="sort"/> needs: type, the fields, id.</summary>
    public static Collection<CompositePath> Composite(IReadOnlyList<SortField> sort)
    {
        var paths = new Collection<CompositePath>
        {
            new() { Path = "/type", Order = CompositePathSortOrder.Ascending },
        };
        foreach (var key in sort)
        {
            paths.Add(
                new CompositePath
                {
                    Path = Path(key.Field),
                    Order = key.Descending ? CompositePathSortOrder.Descending : CompositePathSortOrder.Ascending,
                }
            );
        }
        paths.Add(new CompositePath { Path = "/id", Order = CompositePathSortOrder.Ascending });
        return paths;
    }

    /// <summary>The composite indexes declared fields get: (type, field, id) in both directions of the field.</summary>
    public static IReadOnlyList<Collection<CompositePath>> ForFields(IReadOnlyList<FieldPath> fields) =>
        [.. fields.SelectMany(f => new[] { Composite([new SortField(f)]), Composite([new SortField(f, Descending: true)]) })];

    public static string Path(FieldPath field) => "/" + string.Join('/', field.Segments);

    /// <summary>A stable key of a composite index (paths and directions).</summary>
    public static string Signature(IEnumerable<CompositePath> composite) =>
        string.Join('|', composite.Select(p => p.Path + (p.Order == CompositePathSortOrder.Descending ? ":d" : ":a")));

    public ValueTask EnsureFieldsAsync(string container, IReadOnlyList<FieldPath> fields, CancellationToken cancellationToken) =>
        EnsureAsync(container, ForFields(fields), cancellationToken);

    public ValueTask EnsureSortAsync(string container, IReadOnlyList<SortField> sort, CancellationToken cancellationToken) =>
        EnsureAsync(container, [Composite(sort)], cancellationToken);

    private ValueTask EnsureAsync(string container, IReadOnlyList<Collection<CompositePath>> wanted, CancellationToken cancellationToken)
    {
        var known = _known.GetValueOrDefault(container) ?? [];
        return wanted.All(w => known.Contains(Signature(w))) ? ValueTask.CompletedTask : ApplyAsync(container, wanted, cancellationToken);
    }

    private async ValueTask ApplyAsync(
        string container,
        IReadOnlyList<Collection<CompositePath>> wanted,
        CancellationToken cancellationToken
    )
    {
        var gate = _gates.GetOrAdd(container, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var known = _known.GetValueOrDefault(container) ?? [];
            if (wanted.All(w => known.Contains(Signature(w))))
            {
                return; // applied by the caller that held the gate before us
            }
            var target = containers.Product(container);
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                var response = await target.ReadContainerAsync(cancellationToken: cancellationToken);
                var properties = response.Resource;
                var policy = properties.IndexingPolicy;
                var present = policy.CompositeIndexes.Select(Signature).ToHashSet(StringComparer.Ordinal);
                var added = new List<string>();
                foreach (var composite in wanted)
                {
                    var signature = Signature(composite);
                    if (present.Add(signature))
                    {
                        policy.CompositeIndexes.Add(composite);
                        added.Add(signature);
                    }
                }
                if (added.Count > 0)
                {
                    try
                    {
                        await target.ReplaceContainerAsync(
                            properties,
                            new ContainerRequestOptions { IfMatchEtag = response.ETag },
                            cancellationToken
                        );
                        var summary = string.Join(", ", added);
                        LogCompositeIndexesAdded(logger, container, summary);
                    }
                    catch (CosmosException e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
                    {
                        LogIndexPolicyRaced(logger, container, attempt);
                        continue;
                    }
                    catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Forbidden)
                    {
                        // Microsoft Entra (managed identity) data-plane roles cannot change
                        // container settings. Say what infra must add, once, and carry on: only
                        // queries that sort on these fields need them.
                        var missing = string.Join(", ", added);
                        LogIndexPolicyForbidden(logger, container, missing);
                    }
                }
                _known[container] = [.. present];
                return;
            }
            throw new InvalidOperationException(
                $"The indexing policy of Cosmos DB container '{container}' kept changing; gave up after {MaxAttempts} attempts."
            );
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(
        EventId = 3010,
        Level = LogLevel.Information,
        Message = "Added composite indexes to Cosmos DB container {Container}: {Indexes}"
    )]
    private static partial void LogCompositeIndexesAdded(ILogger logger, string container, string indexes);

    [LoggerMessage(
        EventId = 3012,
        Level = LogLevel.Warning,
        Message = "Not allowed to change the indexing policy of Cosmos DB container {Container} (data-plane role); add these composite indexes in infra or run index set-up with a key: {Indexes}"
    )]
    private static partial void LogIndexPolicyForbidden(ILogger logger, string container, string indexes);

    [LoggerMessage(
        EventId = 3011,
        Level = LogLevel.Debug,
        Message = "Indexing policy of Cosmos DB container {Container} changed concurrently; retrying (attempt {Attempt})"
    )]
    private static partial void LogIndexPolicyRaced(ILogger logger, string container, int attempt);
}
