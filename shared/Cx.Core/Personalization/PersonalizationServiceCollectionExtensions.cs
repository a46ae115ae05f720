using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Personalization;

public static class PersonalizationServiceCollectionExtensions
{
    /// <summary>Personalization: <c>Cx:Personalization</c> settings, the placement registry, the decision service and its log.</summary>
    public static IServiceCollection AddCxPersonalization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<PersonalizationOptions>(configuration, PersonalizationOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PlacementRegistry>();
        services.TryAddSingleton<DecisionLog>();
        services.TryAddSingleton<PersonalizationService>();
        return services;
    }
}
