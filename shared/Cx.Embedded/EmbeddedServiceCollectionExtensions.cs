using Cx.Core.Analytics;
using Cx.Core.Blobs;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Embedded.Analytics;
using Cx.Embedded.Blobs;
using Cx.Embedded.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Embedded;

public static class EmbeddedServiceCollectionExtensions
{
    /// <summary>Registers the embedded SQLite document store and its change feed.</summary>
    public static IServiceCollection AddCxSqliteStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<SqliteOptions>()
            .Bind(configuration.GetSection(SqliteOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteDocumentStore>();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<SqliteDocumentStore>());
        services.AddSingleton<SqliteChangeFeed>();
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<SqliteChangeFeed>());
        services.TryAddSingleton<Core.Notifications.INotificationChangeHistory, Notifications.SqliteNotificationChangeHistory>();
        return services;
    }

    /// <summary>
    /// Registers the embedded event stream (SQLite append log with group commit), the embedded
    /// analytics store and, as hosted services, the batch processor and its housekeeping.
    /// </summary>
    public static IServiceCollection AddCxEmbeddedEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SqliteOptions>().Bind(configuration.GetSection(SqliteOptions.Section)).ValidateDataAnnotations();
        services
            .AddOptions<EmbeddedEventsOptions>()
            .Bind(configuration.GetSection(EmbeddedEventsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<EmbeddedEventsPaths>();
        services.AddSingleton<SqliteEventLog>();
        services.AddSingleton<IEventStream>(sp => sp.GetRequiredService<SqliteEventLog>());
        services.AddCxEmbeddedAnalytics();
        services.AddHostedService<EmbeddedEventProcessor>();
        services.AddSingleton<EmbeddedEventMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedEventMaintenance>());
        return services;
    }

    /// <summary>
    /// Registers the embedded analytics store: one class per analytics port, all singletons over the
    /// one <see cref="AnalyticsDatabase"/> (its file, schema and id cache). Idempotent.
    /// </summary>
    public static IServiceCollection AddCxEmbeddedAnalytics(this IServiceCollection services)
    {
        services.TryAddSingleton<EmbeddedEventsPaths>();
        services.TryAddSingleton<AnalyticsDatabase>();
        services.TryAddSingleton<SqliteAnalyticsStore>();
        services.TryAddSingleton<IAnalyticsStore>(sp => sp.GetRequiredService<SqliteAnalyticsStore>());
        services.TryAddSingleton<IStreamCheckpointReader>(sp => sp.GetRequiredService<SqliteAnalyticsStore>());
        services.TryAddSingleton<IBehaviorStore, SqliteBehaviorStore>();
        services.TryAddSingleton<IIdentityLinkStore, SqliteIdentityLinkStore>();
        services.TryAddSingleton<ITimelineReader, SqliteTimelineReader>();
        services.TryAddSingleton<Cx.Core.Privacy.IAnalyticsPseudonymizer, Privacy.SqliteAnalyticsPseudonymizer>();
        services.TryAddSingleton<IRollupReader, SqliteRollupReader>();
        services.TryAddSingleton<IEventOccurrenceReader, SqliteOccurrenceReader>();
        services.TryAddSingleton<Core.Experiments.IExperimentEventReader, Experiments.SqliteExperimentEventReader>();
        services.TryAddSingleton<Core.Portability.IAnalyticsExportReader, Portability.SqliteAnalyticsExportReader>();
        return services;
    }

    /// <summary>Registers the local blob folder as the blob store.</summary>
    public static IServiceCollection AddCxLocalBlobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LocalBlobOptions>().Bind(configuration.GetSection(LocalBlobOptions.Section));
        services.AddSingleton<IBlobStore, LocalBlobStore>();
        return services;
    }
}
