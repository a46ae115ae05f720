using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Registers the content model: registry and entry service.</summary>
    public static IServiceCollection AddCxContent(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ContentTypeRegistry>();
        services.TryAddSingleton<EntryService>();
        return services;
    }

    /// <summary>Registers event capture and processing: the event-type registry, ingestion, identify and the batch logic.</summary>
    public static IServiceCollection AddCxEvents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventTypeRegistry>();
        services.TryAddSingleton<EventIngestionService>();
        services.TryAddSingleton<IdentityService>();
        services.TryAddSingleton<EventBatchProcessor>();
        return services;
    }
}
