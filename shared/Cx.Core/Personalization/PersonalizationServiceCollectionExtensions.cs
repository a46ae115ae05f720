using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Personalization;

public static class PersonalizationServiceCollectionExtensions
{
    /// <summary>Personalization: <c>Cx:Personalization</c> settings, the tagged cache (HybridCache; L2 is whatever IDistributedCache the host registered) and its change hook, the placement registry, the decision service and its log.</summary>
    public static IServiceCollection AddCxPersonalization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<PersonalizationOptions>(configuration, PersonalizationOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHybridCache();
        services.TryAddSingleton<Microsoft.Extensions.Caching.Hybrid.IHybridCacheSerializer<CachedBytes>, CachedBytesSerializer>();
        services.TryAddSingleton<ICdnPurger, NoCdnPurger>();
        services.TryAddSingleton<ICacheInvalidationBus, NoCacheInvalidationBus>();
        services.TryAddSingleton<PersonalizationCache>();
        services.TryAddSingleton<PersonalizationCacheHook>();
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<Lifecycle.IChangeHook, PersonalizationCacheHook>(sp =>
                sp.GetRequiredService<PersonalizationCacheHook>()
            )
        );
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Lifecycle.IChangeHook, PersonalizationErasureHook>());
        services.TryAddSingleton<PlacementRegistry>();
        services.TryAddSingleton<DecisionLog>();
        services.TryAddSingleton<PersonalizationService>();
        services.TryAddSingleton<EdgeTokenService>();
        return services;
    }
}
