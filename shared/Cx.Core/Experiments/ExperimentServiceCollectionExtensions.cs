using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Experiments;

public static class ExperimentServiceCollectionExtensions
{
    /// <summary>Experiments: <c>Cx:Experiments</c> settings, the registry and the service.</summary>
    public static IServiceCollection AddCxExperiments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<ExperimentOptions>(configuration, ExperimentOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ExperimentRegistry>();
        services.TryAddSingleton<ExperimentService>();
        services.TryAddSingleton<ExperimentSignificance>();
        services.TryAddSingleton<ExperimentRunHistory>();
        return services;
    }
}
