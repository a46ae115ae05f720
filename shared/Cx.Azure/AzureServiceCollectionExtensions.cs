using Azure.Identity;
using Azure.Storage.Blobs;
using Cx.Azure.Blobs;
using Cx.Azure.EventHubs;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure;

public static class AzureServiceCollectionExtensions
{
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
            return section["fullyQualifiedNamespace"] is { Length: > 0 } fqns && string.IsNullOrEmpty(section["connectionString"])
                ? new EventHubsBatchProcessor(store, options, fqns, new DefaultAzureCredential(), handler, logger)
                : new EventHubsBatchProcessor(store, options, configuration, handler, logger);
        });
        services.AddHostedService<EventHubsProcessorService>();
        return services;
    }
}
