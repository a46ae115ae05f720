using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Analytics;

public static class AnalyticsServiceCollectionExtensions
{
    /// <summary>The analytics read side: <c>Cx:Analytics</c> settings, roll-up series, funnels, journeys and the journey-report writer.</summary>
    public static IServiceCollection AddCxAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<AnalyticsOptions>(configuration, AnalyticsOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RollupSeriesService>();
        services.TryAddSingleton<FunnelService>();
        services.TryAddSingleton<JourneyRegistry>();
        services.TryAddSingleton<JourneyReportWriter>();
        return services;
    }
}
