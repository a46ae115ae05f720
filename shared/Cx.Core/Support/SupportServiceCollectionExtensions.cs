using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Support;

public static class SupportServiceCollectionExtensions
{
    /// <summary>The support model: <c>Cx:Support</c> settings and the ticket service (the types are built in).</summary>
    public static IServiceCollection AddCxSupport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<SupportOptions>(configuration, SupportOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SupportService>();
        services.TryAddSingleton<DeflectionReportWriter>();
        return services;
    }
}
