using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cx.Core.Flags;

public static class FlagServiceCollectionExtensions
{
    /// <summary>Feature flags: <c>Cx:Flags</c> settings, the registry, the compiled catalog, the service and the index set-up at start.</summary>
    public static IServiceCollection AddCxFlags(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<FlagOptions>(configuration, FlagOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FlagRegistry>();
        services.TryAddSingleton<FlagCatalog>();
        services.TryAddSingleton<FlagService>();
        services.AddHostedService<FlagInitializer>();
        return services;
    }

    /// <summary>Declares the index of the release history (after the store is initialised: registered after it).</summary>
    private sealed class FlagInitializer(FlagRegistry registry) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => registry.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
