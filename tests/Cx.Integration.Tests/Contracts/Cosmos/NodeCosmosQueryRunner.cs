using System.Net;
using System.Text.Json;
using Cx.Azure.Cosmos;
using Microsoft.Azure.Cosmos;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>
/// Runs the Cosmos store's generated SQL with the protocol server's own Cosmos SQL engine
/// (@zeit/cosmosdb-query, through cosmos-query.js) over the items the server actually stores
/// for the container, with the container's actual composite indexes (the engine rejects an
/// ORDER BY that no composite index serves, as Cosmos DB does). The server cannot run these
/// queries over HTTP (PLATFORM.md: ORDER BY and cross-partition queries fail there).
/// </summary>
internal sealed class NodeCosmosQueryRunner(CosmosContainers containers, CosmosQueryEngine engine) : ICosmosQueryRunner
{
    public async Task<IReadOnlyList<JsonElement>> QueryAsync(
        string container,
        CosmosSql sql,
        string? partitionKey,
        int maxItems,
        CancellationToken cancellationToken
    )
    {
        var target = containers.Product(container);
        var items = await ReadAllAsync(target, cancellationToken);
        var properties = (await target.ReadContainerAsync(cancellationToken: cancellationToken)).Resource;
        var input = new Dictionary<string, object?>
        {
            ["sql"] = sql.Text,
            ["parameters"] = sql
                .Parameters.Select(p => new Dictionary<string, object?> { ["name"] = p.Name, ["value"] = p.Value })
                .ToList(),
            ["documents"] = items,
            ["compositeIndexes"] = properties
                .IndexingPolicy.CompositeIndexes.Select(c =>
                    c.Select(p => new Dictionary<string, string>
                        {
                            ["path"] = p.Path,
                            ["order"] = p.Order == CompositePathSortOrder.Descending ? "descending" : "ascending",
                        })
                        .ToList()
                )
                .ToList(),
        };
        var output = await engine.RunAsync(JsonSerializer.Serialize(input), cancellationToken);
        using var document = JsonDocument.Parse(output);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"Cosmos SQL rejected by the engine: {error.GetString()}\n{sql.Text}");
        }
        return [.. document.RootElement.GetProperty("result").EnumerateArray().Take(maxItems).Select(e => e.Clone())];
    }

    /// <summary>
    /// Every stored item of the container (tombstones too): the latest-version change feed read
    /// from the beginning in one page, which the protocol server serves in full.
    /// </summary>
    private static async Task<List<JsonElement>> ReadAllAsync(Container container, CancellationToken cancellationToken)
    {
        using var iterator = container.GetChangeFeedStreamIterator(
            ChangeFeedStartFrom.Beginning(),
            ChangeFeedMode.LatestVersion,
            new ChangeFeedRequestOptions { PageSizeHint = 100_000 }
        );
        using var response = await iterator.ReadNextAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return [];
        }
        response.EnsureSuccessStatusCode();
        using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return [.. page.RootElement.GetProperty("Documents").EnumerateArray().Select(i => i.Clone())];
    }
}
