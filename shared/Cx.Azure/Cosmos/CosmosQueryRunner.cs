using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace Cx.Azure.Cosmos;

/// <summary>
/// Runs the store's Cosmos SQL. The SDK runner is the only production implementation; tests
/// substitute one that executes the same SQL with the Cosmos SQL engine of the local protocol
/// server, which cannot serve ordered cross-partition queries over HTTP.
/// </summary>
internal interface ICosmosQueryRunner
{
    /// <summary>
    /// The items the query returns, at most <paramref name="maxItems"/>; within one partition
    /// when <paramref name="partitionKey"/> is set (the SQL names it too).
    /// </summary>
    Task<IReadOnlyList<JsonElement>> QueryAsync(
        string container,
        CosmosSql sql,
        string? partitionKey,
        int maxItems,
        CancellationToken cancellationToken
    );
}

/// <summary>Queries through the SDK's stream iterator, so items arrive as JSON bytes.</summary>
internal sealed class CosmosSdkQueryRunner(CosmosContainers containers) : ICosmosQueryRunner
{
    private const int MaxPageSize = 1000;

    public async Task<IReadOnlyList<JsonElement>> QueryAsync(
        string container,
        CosmosSql sql,
        string? partitionKey,
        int maxItems,
        CancellationToken cancellationToken
    )
    {
        var definition = new QueryDefinition(sql.Text);
        foreach (var parameter in sql.Parameters)
        {
            definition = definition.WithParameter(parameter.Name, parameter.Value);
        }
        var options = new QueryRequestOptions { MaxItemCount = Math.Min(maxItems, MaxPageSize) };
        if (partitionKey is not null)
        {
            options.PartitionKey = new PartitionKey(partitionKey);
        }
        var results = new List<JsonElement>();
        using var iterator = containers.Product(container).GetItemQueryStreamIterator(definition, continuationToken: null, options);
        while (iterator.HasMoreResults && results.Count < maxItems)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken);
            response.EnsureSuccessStatusCode();
            using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            foreach (var item in page.RootElement.GetProperty("Documents").EnumerateArray())
            {
                results.Add(item.Clone());
            }
        }
        return results;
    }
}
