using Cx.Azure;
using Cx.Azure.ServiceBus;
using Cx.Core;
using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Experiments;
using Cx.Core.Feedback;
using Cx.Core.Flags;
using Cx.Core.Identity;
using Cx.Core.Inbound;
using Cx.Core.Lifecycle;
using Cx.Core.Notifications;
using Cx.Core.Personalization;
using Cx.Core.Portability;
using Cx.Core.Privacy;
using Cx.Core.Profiles;
using Cx.Core.Queues;
using Cx.Core.RateLimiting;
using Cx.Core.Realtime;
using Cx.Core.Segments;
using Cx.Core.Support;
using Cx.Core.Webhooks;
using Cx.Embedded;
using Cx.Embedded.Queues;
using Cx.Embedded.Realtime;
using Cx.Http;
using Cx.Http.Notifications;
using Cx.Http.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Hosting;

public static class CxServiceCollectionExtensions
{
    /// <summary>
    /// The one composition root of Cx, used by the function app and the DevHost: options,
    /// the product's services, the HTTP contract and the adapters chosen by configuration.
    /// An unknown provider fails here, at start-up, naming the allowed values.
    /// </summary>
    public static IServiceCollection AddCx(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddCxContent(configuration);
        services.AddCxPortability(configuration);
        Cx.Core.Portability.Snapshots.SnapshotServiceCollectionExtensions.AddCxSnapshots(services, configuration);
        services.AddCxPrivacy(configuration);
        services.AddCxIdentity(configuration);
        services.AddOptions<BootstrapOptions>().Bind(configuration.GetSection(BootstrapOptions.Section));
        services.AddCxHttp(configuration);
        switch (Providers.Resolve(Providers.RateLimitsKey, configuration[Providers.RateLimitsKey], Providers.RateLimits))
        {
            case Providers.InProcess:
                services.Replace(ServiceDescriptor.Singleton<IRateLimiter, InProcessRateLimiter>());
                break;
            case Providers.Redis:
                services.AddCxRedisRateLimits(configuration);
                break;
        }

        if (
            Providers.Resolve(
                Providers.PersonalizationCacheKey,
                configuration[Providers.PersonalizationCacheKey],
                Providers.PersonalizationCache
            ) == Providers.Redis
        )
        {
            services.AddCxRedisCache(configuration);
        }

        switch (Providers.Resolve(Providers.KeyProviderKey, configuration[Providers.KeyProviderKey], Providers.KeyProviders))
        {
            case Providers.LocalKeys:
                Providers.RefuseInAzure(
                    configuration,
                    Providers.KeyProviderKey,
                    Providers.LocalKeys,
                    $"{Providers.ConfiguredKeys}, with the keys in Cx__Auth__SigningKeys__N__*"
                );
                services.AddSingleton<ISigningKeyStore, Cx.Embedded.Identity.LocalSigningKeyStore>();
                break;
            case Providers.ConfiguredKeys:
                services.AddSingleton<ISigningKeyStore, ConfiguredSigningKeyStore>();
                break;
        }

        var storage = Providers.Resolve(Providers.StorageKey, configuration[Providers.StorageKey], Providers.Storage);
        switch (storage)
        {
            case Providers.Sqlite:
                services.AddCxSqliteStorage(configuration);
                Cx.Embedded.Portability.Snapshots.SnapshotRegistration.AddCxSqliteSnapshots(services);
                break;
            case Providers.Cosmos:
                services.AddCxCosmosStorage(configuration);
                break;
        }

        services.AddHostedService<CxInitializer>();
        if (storage == Providers.Sqlite)
        {
            // One process owns the SQLite file, so it sees every write; Cosmos DB serves many
            // instances whose writes another instance's list cache would not see (ADR 0403).
            services.AddCxCustomerListCache(configuration);
            // The same holds for the units' flag exposure documents (ADR 0475).
            services.AddCxFlagExposureCache(configuration);
            // Cosmos DB expires logged decisions by ttl; SQLite needs the sweep (ADR 0404).
            services.AddHostedService<DecisionLogExpiry>();
        }
        services.AddCxEventCapture(configuration, storage);
        services.AddCxHooks(configuration);
        services.AddCxWorkQueues(configuration);
        services.AddCxWebhooks(configuration);
        services.AddCxWebhookHttp();
        services.AddCxSupport(configuration);
        services.AddCxRealtimeTransport(configuration, storage);
        services.AddCxInbound(configuration);
        services.AddCxFeedback(configuration);
        services.AddCxNotifications(configuration);
        services.AddCxNotificationHttp();
        return services;
    }

    /// <summary>
    /// Live updates: the service and change hook, the channel log (tables in the embedded SQLite file)
    /// and the transport chosen by <c>Cx:Realtime:Provider</c>. With <c>Embedded</c> the DevHost
    /// replaces the placeholder transport with its SignalR hub.
    /// </summary>
    private static void AddCxRealtimeTransport(this IServiceCollection services, IConfiguration configuration, string storage)
    {
        services.AddCxRealtime(configuration);
        if (storage == Providers.Cosmos)
        {
            // The channel log and the offline-client ledger follow the storage provider (ADR 0437).
            Cx.Azure.Realtime.CosmosRealtimeServiceCollectionExtensions.AddCxCosmosRealtimeLog(services);
        }
        services.AddCxSqliteChannelLog(configuration);
        switch (Providers.Resolve(Providers.RealtimeKey, configuration[Providers.RealtimeKey], Providers.Realtime))
        {
            case Providers.Embedded:
                services.TryAddSingleton<IRealtimePublisher, NoTransportPublisher>();
                break;
            case Providers.SignalRService:
                services.AddCxSignalRService(configuration);
                break;
        }
        if (Providers.Resolve(Providers.SessionsKey, configuration[Providers.SessionsKey], Providers.Sessions) == Providers.Redis)
        {
            services.AddCxRedisDeviceSessions(configuration);
        }
    }

    /// <summary>
    /// Lifecycle hooks on the change feed and segmentation: options, the services, and the
    /// background loops (the dispatcher, the behaviour worker, the recompute job service), started
    /// after storage and event capture are ready. Timer functions run the same work too, so it
    /// progresses on a host that scaled to zero.
    /// </summary>
    private static void AddCxHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxLifecycle(configuration);
        services.AddCxSegments(configuration);
        services.AddCxPersonalization(configuration);
        services.AddCxFlags(configuration);
        services.AddCxExperiments(configuration);
        services.AddHostedService<ChangeDispatcherService>();
        services.AddHostedService(sp => sp.GetRequiredService<SegmentBehaviorWorker>());
        services.AddHostedService<SegmentJobService>();
    }

    /// <summary>
    /// The work queue chosen by <c>Cx:Queues:Provider</c> and the hosted consumer loop that runs
    /// every registered <see cref="Cx.Core.Queues.IQueueHandler"/>.
    /// </summary>
    private static void AddCxWorkQueues(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxQueues(configuration);
        switch (Providers.Resolve(Providers.QueuesKey, configuration[Providers.QueuesKey], Providers.Queues))
        {
            case Providers.Embedded:
                services.AddCxEmbeddedQueue(configuration);
                break;
            case Providers.ServiceBus:
                services.AddCxServiceBusQueues(configuration);
                break;
        }
        services.AddHostedService(sp => sp.GetRequiredService<Cx.Core.Queues.WorkQueueConsumer>());
    }

    /// <summary>
    /// Behavioural events: options, the product services, the stream and blob adapters chosen by
    /// <c>Cx:Stream:Provider</c> and <c>Cx:Blob:Provider</c>, and the analytics store, which
    /// follows the storage provider (the embedded SQLite analytics file with <c>Sqlite</c>).
    /// </summary>
    private static void AddCxEventCapture(this IServiceCollection services, IConfiguration configuration, string storage)
    {
        services.AddCxEvents(configuration);
        services.AddCxAnalytics(configuration);

        var blob = Providers.Resolve(Providers.BlobKey, configuration[Providers.BlobKey], Providers.Blob);
        switch (blob)
        {
            case Providers.Local:
                services.AddCxLocalBlobs(configuration);
                break;
            case Providers.AzureBlob:
                services.AddCxAzureBlobs(configuration);
                break;
        }

        // The analytics store follows the storage provider unless Cx:Analytics:Provider says otherwise.
        var analytics = Providers.Resolve(
            Providers.AnalyticsKey,
            configuration[Providers.AnalyticsKey] ?? (storage == Providers.Sqlite ? Providers.Embedded : storage),
            Providers.Analytics
        );
        switch (analytics)
        {
            case Providers.Embedded:
                services.AddCxEmbeddedAnalytics();
                break;
        }
        // Built-in event types exist before the processor reads its first batch.
        services.AddHostedService<EventsInitializer>();

        var stream = Providers.Resolve(Providers.StreamKey, configuration[Providers.StreamKey], Providers.Stream);
        switch (stream)
        {
            case Providers.Embedded:
                services.AddCxEmbeddedEvents(configuration);
                break;
            case Providers.EventHubs:
                services.AddCxEventHubs(configuration);
                break;
        }
    }
}
