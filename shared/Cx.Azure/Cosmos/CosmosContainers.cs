using System.Collections.ObjectModel;
using System.Net;
using Cx.Core.Documents;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure.Cosmos;

/// <summary>
/// The database and containers of the Cosmos DB store: one container per product container
/// (<see cref="Containers.All"/>), plus two adapter-internal ones: <see cref="Uniques"/> (unique
/// value reservations) and <see cref="Leases"/> (change-feed checkpoints). Every container is
/// partitioned by <c>/pk</c>; product containers have TTL enabled without a default
/// (<c>DefaultTimeToLive = -1</c>) so tombstones can carry their own <c>ttl</c>.
/// </summary>
public sealed partial class CosmosContainers
{
    /// <summary>Unique-value reservations, one document per (scope, value).</summary>
    public const string Uniques = "uniques";

    /// <summary>Change-feed checkpoints, one document per consumer.</summary>
    public const string Leases = "leases";

    /// <summary>Realtime channel logs (a partition per channel) and offline-client ledgers (a partition per client), ADR 0437.</summary>
    public const string Realtime = "realtime";

    public const string PartitionKeyPath = "/pk";

    private readonly Dictionary<string, Container> _containers = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private volatile bool _initialized;

    public CosmosContainers(CosmosClient client, IOptions<CosmosOptions> options, ILogger<CosmosContainers> logger)
    {
        Client = client;
        _logger = logger;
        Database = client.GetDatabase(options.Value.Database);
        foreach (var name in Containers.All.Append(Uniques).Append(Leases).Append(Realtime))
        {
            _containers[name] = Database.GetContainer(name);
        }
    }

    public CosmosClient Client { get; }

    public Database Database { get; }

    /// <summary>A product container; unknown names are a programming error.</summary>
    public Container Product(string container) =>
        Containers.IsKnown(container)
            ? _containers[container]
            : throw new ArgumentException($"Unknown container '{container}'.", nameof(container));

    public Container Internal(string name) => _containers[name];

    /// <summary>Creates the database and the containers when missing and checks the existing ones. Idempotent.</summary>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }
        try
        {
            await Client.CreateDatabaseIfNotExistsAsync(Database.Id, cancellationToken: cancellationToken);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new InvalidOperationException(
                $"Cosmos DB database '{Database.Id}' is missing and this identity may not create it (data-plane roles cannot manage databases). Create it in infra.",
                e
            );
        }
        foreach (var name in Containers.All)
        {
            await EnsureContainerAsync(name, product: true, cancellationToken);
        }
        await EnsureContainerAsync(Uniques, product: false, cancellationToken);
        await EnsureContainerAsync(Leases, product: false, cancellationToken);
        await EnsureContainerAsync(Realtime, product: false, cancellationToken);
        _initialized = true;
    }

    /// <summary>The indexing policy a new product container starts with: everything indexed, plus (type, id) for unsorted pages.</summary>
    internal static IndexingPolicy InitialIndexingPolicy()
    {
        var policy = new IndexingPolicy { Automatic = true, IndexingMode = IndexingMode.Consistent };
        policy.CompositeIndexes.Add(CosmosIndexes.Composite([]));
        return policy;
    }

    private async Task EnsureContainerAsync(string name, bool product, CancellationToken cancellationToken)
    {
        var properties = new ContainerProperties(name, PartitionKeyPath);
        if (product)
        {
            properties.DefaultTimeToLive = -1;
            properties.IndexingPolicy = InitialIndexingPolicy();
        }
        ContainerResponse response;
        try
        {
            response = await Database.CreateContainerIfNotExistsAsync(properties, cancellationToken: cancellationToken);
        }
        catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new InvalidOperationException(
                $"Cosmos DB container '{Database.Id}/{name}' is missing and this identity may not create it (data-plane roles cannot manage containers). "
                    + $"Create it in infra: partition key {PartitionKeyPath}{(product ? ", default TTL -1 (on, no default)" : "")}.",
                e
            );
        }
        if (response.StatusCode == HttpStatusCode.Created)
        {
            LogContainerCreated(_logger, Database.Id, name);
            return;
        }
        var existing = response.Resource;
        var paths = existing.PartitionKeyPaths ?? new Collection<string> { existing.PartitionKeyPath };
        if (paths.Count != 1 || paths[0] != PartitionKeyPath)
        {
            throw new InvalidOperationException(
                $"Cosmos DB container '{Database.Id}/{name}' is partitioned by '{string.Join(",", paths)}'; Cx needs '{PartitionKeyPath}'. Recreate it."
            );
        }
        if (product && existing.DefaultTimeToLive is null)
        {
            // Created elsewhere without TTL: tombstones would never expire. Turn TTL on (no default).
            existing.DefaultTimeToLive = -1;
            try
            {
                await _containers[name]
                    .ReplaceContainerAsync(existing, new ContainerRequestOptions { IfMatchEtag = response.ETag }, cancellationToken);
                LogTimeToLiveEnabled(_logger, Database.Id, name);
            }
            catch (CosmosException e) when (e.StatusCode == HttpStatusCode.Forbidden)
            {
                LogTimeToLiveForbidden(_logger, Database.Id, name);
            }
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Created Cosmos DB container {Database}/{Container}")]
    private static partial void LogContainerCreated(ILogger logger, string database, string container);

    [LoggerMessage(
        EventId = 3002,
        Level = LogLevel.Warning,
        Message = "Cosmos DB container {Database}/{Container} had no time-to-live; enabled it (no default) for tombstones"
    )]
    private static partial void LogTimeToLiveEnabled(ILogger logger, string database, string container);

    [LoggerMessage(
        EventId = 3003,
        Level = LogLevel.Error,
        Message = "Cosmos DB container {Database}/{Container} has no time-to-live and this identity may not turn it on; tombstones of deleted documents will not expire. Set default TTL -1 in infra"
    )]
    private static partial void LogTimeToLiveForbidden(ILogger logger, string database, string container);
}
