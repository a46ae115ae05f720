using Azure.Storage.Blobs;
using Cx.Azure.Blobs;
using Cx.Azure.Cosmos;
using Cx.Azure.EventHubs;
using Cx.Core.Blobs;
using Cx.Core.Documents;
using Cx.Core.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure;

public static class AzureServiceCollectionExtensions
{
    /// <summary>
    /// SignalR Service in serverless mode as the realtime transport (<c>Cx:Realtime:SignalR</c>),
    /// through its REST API; negotiate answers with the service's client URL.
    /// </summary>
    public static IServiceCollection AddCxSignalRService(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<SignalR.SignalRServiceOptions>()
            .Bind(configuration.GetSection(SignalR.SignalRServiceOptions.Section))
            .ValidateDataAnnotations()
            .Validate(
                o => TryParse(o.ConnectionString),
                "Cx:Realtime:SignalR:ConnectionString needs Endpoint=https://... and an AccessKey, or AuthType=azure.msi."
            )
            .ValidateOnStart();
        services.TryAddSingleton(sp => new SignalR.SignalRServicePublisher(
            sp.GetRequiredService<IOptions<SignalR.SignalRServiceOptions>>(),
            sp.GetRequiredService<IOptions<Core.Realtime.RealtimeOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System
        ));
        services.Replace(
            ServiceDescriptor.Singleton<Core.Realtime.IRealtimePublisher>(sp => sp.GetRequiredService<SignalR.SignalRServicePublisher>())
        );
        // Revocation-close: the service holds the connections, so revocations close them through its REST API.
        services.TryAddSingleton<Core.Realtime.IRealtimeConnectionCloser>(sp => sp.GetRequiredService<SignalR.SignalRServicePublisher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Core.Lifecycle.IChangeHook, Core.Realtime.RealtimeRevocationHook>());
        return services;
    }

    /// <summary>Device sessions on Redis (<c>Cx:Realtime:Redis</c>), replacing the embedded store.</summary>
    public static IServiceCollection AddCxRedisDeviceSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<Redis.RedisSessionOptions>()
            .Bind(configuration.GetSection(Redis.RedisSessionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.Replace(ServiceDescriptor.Singleton<Core.Realtime.IDeviceSessionStore, Redis.RedisDeviceSessionStore>());
        return services;
    }

    private static bool TryParse(string? connectionString)
    {
        try
        {
            SignalR.SignalRServicePublisher.Parse(connectionString ?? "");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Registers the Redis rate limiter (<c>Cx:RateLimits:Redis</c>) as the one the request gate
    /// uses: buckets shared by every instance on the same Redis.
    /// </summary>
    public static IServiceCollection AddCxRedisRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<Redis.RedisRateLimitOptions>()
            .Bind(configuration.GetSection(Redis.RedisRateLimitOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.Replace(ServiceDescriptor.Singleton<Core.RateLimiting.IRateLimiter, Redis.RedisRateLimiter>());
        return services;
    }

    /// <summary>
    /// Redis as the distributed cache (<c>Cx:Personalization:Redis</c>): HybridCache, registered by
    /// personalization, uses it as its L2, tags included.
    /// </summary>
    public static IServiceCollection AddCxRedisCache(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<Redis.PersonalizationRedisOptions>()
            .Bind(configuration.GetSection(Redis.PersonalizationRedisOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddStackExchangeRedisCache(_ => { });
        services
            .AddOptions<Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<Redis.PersonalizationRedisOptions>>(
                (redis, cx) =>
                {
                    redis.Configuration = cx.Value.ConnectionString;
                    redis.InstanceName = cx.Value.InstanceName;
                }
            );
        // Tag expiries reach the other instances' memory over pub/sub on the same Redis (ADR 0405).
        services.TryAddSingleton<Redis.RedisCacheInvalidationBus>();
        services.AddSingleton<Cx.Core.Personalization.ICacheInvalidationBus>(sp =>
            sp.GetRequiredService<Redis.RedisCacheInvalidationBus>()
        );
        services.AddHostedService(sp => sp.GetRequiredService<Redis.RedisCacheInvalidationBus>());
        return services;
    }

    /// <summary>Registers Azure Blob Storage (<c>Blobs__serviceUri</c> or <c>Blobs__connectionString</c>) as the blob store.</summary>
    public static IServiceCollection AddCxAzureBlobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => BlobServiceClientFactory.Create(configuration));
        services.AddSingleton<IBlobStore, AzureBlobStore>();
        return services;
    }

    /// <summary>
    /// Registers Event Hubs as the event stream and, in the worker, its batch processor with the
    /// blob checkpoint store (in the <c>Blobs</c> account). The analytics store is the one the
    /// storage provider registered.
    /// </summary>
    public static IServiceCollection AddCxEventHubs(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<EventHubsOptions>()
            .Bind(configuration.GetSection(EventHubsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(_ => BlobServiceClientFactory.Create(configuration));
        services.AddSingleton(sp =>
            EventHubsOptions.CreateProducer(configuration, sp.GetRequiredService<IOptions<EventHubsOptions>>().Value.HubName)
        );
        services.AddSingleton<EventHubsEventStream>();
        services.AddSingleton<IEventStream>(sp => sp.GetRequiredService<EventHubsEventStream>());
        services.AddSingleton<EventHubsBatchHandler>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EventHubsOptions>>().Value;
            var container = sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(options.CheckpointContainer);
            container.CreateIfNotExists();
            var store = new BlobCheckpointStore(container);
            var handler = sp.GetRequiredService<EventHubsBatchHandler>();
            var logger = sp.GetRequiredService<ILogger<EventHubsBatchProcessor>>();
            var section = configuration.GetSection(EventHubsOptions.ConnectionSection);
            return
                section["fullyQualifiedNamespace"] is { Length: > 0 } fqns
                && AzureConnections.ConnectionString(configuration, EventHubsOptions.ConnectionSection) is null
                ? new EventHubsBatchProcessor(
                    store,
                    options,
                    fqns,
                    AzureConnections.Credential(configuration, EventHubsOptions.ConnectionSection),
                    handler,
                    logger
                )
                : new EventHubsBatchProcessor(store, options, configuration, handler, logger);
        });
        services.AddHostedService<EventHubsProcessorService>();
        return services;
    }

    /// <summary>
    /// Registers the Cosmos DB document store and its change feed. Settings: <c>Cx:Storage:Cosmos</c>
    /// (<see cref="CosmosOptions"/>) and the connection as the Functions host names it:
    /// <c>CosmosDb:accountEndpoint</c> (+ optional <c>CosmosDb:clientId</c>) for managed identity,
    /// or a connection string in <c>ConnectionStrings:CosmosDb</c> or <c>CosmosDb</c>. Validated at start-up.
    /// </summary>
    public static IServiceCollection AddCxCosmosStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<CosmosOptions>()
            .Bind(configuration.GetSection(CosmosOptions.Section))
            .Configure(options =>
            {
                // The connection is read only where the Functions host reads it, never from Cx:Storage:Cosmos.
                options.AccountEndpoint = NullIfBlank(configuration[CosmosOptions.AccountEndpointKey]);
                options.ClientId = NullIfBlank(configuration[CosmosOptions.ClientIdKey]);
                options.ConnectionString =
                    NullIfBlank(configuration[CosmosOptions.ConnectionStringKey])
                    ?? NullIfBlank(configuration[CosmosOptions.ConnectionSettingKey]);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CosmosOptions>, CosmosOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => CosmosClientFactory.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value));
        services.AddSingleton<CosmosContainers>();
        services.AddSingleton<CosmosIndexes>();
        services.AddSingleton(sp => new CosmosUniqueValues(
            sp.GetRequiredService<CosmosContainers>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CosmosOptions>>(),
            sp.GetRequiredService<ILogger<CosmosUniqueValues>>()
        ));
        services.TryAddSingleton<ICosmosQueryRunner>(sp => new CosmosSdkQueryRunner(sp.GetRequiredService<CosmosContainers>()));
        services.AddSingleton(sp => new CosmosDocumentStore(
            sp.GetRequiredService<CosmosContainers>(),
            sp.GetRequiredService<CosmosIndexes>(),
            sp.GetRequiredService<CosmosUniqueValues>(),
            sp.GetRequiredService<ICosmosQueryRunner>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CosmosOptions>>(),
            sp.GetRequiredService<ILogger<CosmosDocumentStore>>()
        ));
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<CosmosDocumentStore>());
        // Snapshots of the containers (ADR 0444); the snapshot service finds the store's source here.
        services.TryAddSingleton<Cx.Core.Portability.Snapshots.ISnapshotSource, Portability.Snapshots.CosmosSnapshotSource>();
        services.TryAddSingleton<Portability.Snapshots.CosmosSnapshotRestore>();
        services.AddSingleton(sp => new CosmosChangeFeed(
            new CosmosChangeFeedSource(sp.GetRequiredService<CosmosContainers>()),
            new CosmosChangeFeedLeases(sp.GetRequiredService<CosmosContainers>()),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CosmosChangeFeed>>()
        ));
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<CosmosChangeFeed>());
        return services;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
