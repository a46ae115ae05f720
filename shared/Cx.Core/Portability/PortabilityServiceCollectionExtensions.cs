using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Portability;

public static class PortabilityServiceCollectionExtensions
{
    /// <summary>Data portability: <c>Cx:Portability</c> settings the export and import services.</summary>
    public static IServiceCollection AddCxPortability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<PortabilityOptions>(configuration, PortabilityOptions.Section);
        services.TryAddSingleton<ExportService>();
        services.TryAddSingleton<ImportService>();
        services.TryAddSingleton<AnalyticsExportService>();
        services.TryAddSingleton<ExportJobStore>();
        services.TryAddSingleton<ExportLinkSigner>();
        return services;
    }
}
