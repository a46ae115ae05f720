using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Events;

public static class EventServiceCollectionExtensions
{
    /// <summary>Event capture and processing: <c>Cx:Events</c> settings, the event-type registry, ingestion, identify and the batch logic.</summary>
    public static IServiceCollection AddCxEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<EventOptions>(configuration, EventOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventTypeRegistry>();
        services.TryAddSingleton<EventIngestionService>();
        services.TryAddSingleton<IdentityService>();
        services.TryAddSingleton<Analytics.EventBatchProcessor>();
        return services;
    }
}
