using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace Cx.Azure.Cosmos;

/// <summary>One page of a feed range's changes and the continuation after it.</summary>
internal sealed record ChangeFeedPage(IReadOnlyList<JsonElement> Items, string Token, bool CaughtUp);

/// <summary>Where <see cref="CosmosChangeFeed"/> reads changes from: the feed ranges of a container and their pages.</summary>
internal interface IChangeFeedSource
{
    /// <summary>The feed ranges of a container, as <see cref="FeedRange.ToJsonString"/> strings.</summary>
    Task<IReadOnlyList<string>> GetRangesAsync(string container, CancellationToken cancellationToken);

    /// <summary>The next page of a range: from its beginning when <paramref name="token"/> is null, else after the token.</summary>
    Task<ChangeFeedPage> ReadAsync(string container, string range, string? token, int pageSize, CancellationToken cancellationToken);
}

/// <summary>Where <see cref="CosmosChangeFeed"/> keeps each consumer's committed checkpoint.</summary>
internal interface IChangeFeedLeases
{
    Task<ConsumerLease?> ReadAsync(string consumer, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the lease when the stored one still has <paramref name="etag"/> (null: when none
    /// exists yet). False when another writer got there first.
    /// </summary>
    Task<bool> TryWriteAsync(ConsumerLease lease, string? etag, CancellationToken cancellationToken);
}

/// <summary>
/// The pull model of the SDK's change feed in latest-version mode: one iterator per call,
/// started from the range's beginning or from the stored continuation token (which stays
/// valid across partition splits).
/// </summary>
internal sealed class CosmosChangeFeedSource(CosmosContainers containers) : IChangeFeedSource
{
    public async Task<IReadOnlyList<string>> GetRangesAsync(string container, CancellationToken cancellationToken)
    {
        var ranges = await containers.Product(container).GetFeedRangesAsync(cancellationToken);
        return [.. ranges.Select(r => r.ToJsonString())];
    }

    public async Task<ChangeFeedPage> ReadAsync(
        string container,
        string range,
        string? token,
        int pageSize,
        CancellationToken cancellationToken
    )
    {
        var start = token is null
            ? ChangeFeedStartFrom.Beginning(FeedRange.FromJsonString(range))
            : ChangeFeedStartFrom.ContinuationToken(token);
        using var iterator = containers
            .Product(container)
            .GetChangeFeedStreamIterator(start, ChangeFeedMode.LatestVersion, new ChangeFeedRequestOptions { PageSizeHint = pageSize });
        using var response = await iterator.ReadNextAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return new ChangeFeedPage([], response.ContinuationToken ?? token ?? "", CaughtUp: true);
        }
        response.EnsureSuccessStatusCode();
        using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        List<JsonElement> items = [.. page.RootElement.GetProperty("Documents").EnumerateArray().Select(i => i.Clone())];
        return new ChangeFeedPage(items, response.ContinuationToken, CaughtUp: items.Count == 0);
    }
}

/// <summary>Checkpoints in the <c>leases</c> container: one document per consumer, replaced conditionally on its ETag.</summary>
internal sealed class CosmosChangeFeedLeases(CosmosContainers containers) : IChangeFeedLeases
{
    private Container Leases => containers.Internal(CosmosContainers.Leases);

    /// <summary>The lease id of a consumer: a hash, as consumer names may hold characters ids cannot.</summary>
    public static string LeaseId(string consumer) =>
        "consumer-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(consumer)))[..40];

    public async Task<ConsumerLease?> ReadAsync(string consumer, CancellationToken cancellationToken)
    {
        var id = LeaseId(consumer);
        using var response = await Leases.ReadItemStreamAsync(id, new PartitionKey(id), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await JsonSerializer.DeserializeAsync(response.Content, CosmosJsonContext.Default.ConsumerLease, cancellationToken);
    }

    public async Task<bool> TryWriteAsync(ConsumerLease lease, string? etag, CancellationToken cancellationToken)
    {
        var id = LeaseId(lease.Consumer);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            lease with
            {
                Id = id,
                Pk = id,
                ETag = null,
            },
            CosmosJsonContext.Default.ConsumerLease
        );
        var options = new ItemRequestOptions { EnableContentResponseOnWrite = false, IfMatchEtag = etag };
        using var response = etag is null
            ? await Leases.CreateItemStreamAsync(new MemoryStream(body), new PartitionKey(id), options, cancellationToken)
            : await Leases.ReplaceItemStreamAsync(new MemoryStream(body), id, new PartitionKey(id), options, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound)
        {
            return false;
        }
        response.EnsureSuccessStatusCode();
        return true;
    }
}
