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
        services.TryAddSingleton<Audit.AuditLog>();
        return services;
    }

    /// <summary>Registers identity: tokens, sessions, accounts, API keys, SSO and revocations.</summary>
    public static IServiceCollection AddCxIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton<Identity.IdentityStore>();
        services.TryAddSingleton<Identity.TokenService>();
        services.TryAddSingleton<Identity.RevocationCache>();
        services.TryAddSingleton<Identity.AccountService>();
        services.TryAddSingleton<Identity.IStaffDirectory>(sp => sp.GetRequiredService<Identity.AccountService>());
        services.TryAddSingleton<Identity.SessionService>();
        services.TryAddSingleton<Identity.ApiKeyService>();
        services.TryAddSingleton<Identity.SsoService>();
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

    /// <summary>Registers the analytics read side: roll-up series, funnels, journeys and the journey-report writer.</summary>
    public static IServiceCollection AddCxAnalytics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RollupSeriesService>();
        services.TryAddSingleton<FunnelService>();
        services.TryAddSingleton<JourneyRegistry>();
        services.TryAddSingleton<JourneyReportWriter>();
        return services;
    }
}
