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

    /// <summary>
    /// The in-process exposure cache (ADR 0475): the registered <see cref="Cx.Core.Documents.IDocumentStore"/>
    /// wrapped so every write of an exposure document expires its unit's entry. Only for a store whose
    /// every write passes through this process (SQLite); call after the storage adapter.
    /// </summary>
    public static IServiceCollection AddCxFlagExposureCache(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(FlagExposureCache)))
        {
            return services;
        }
        services.AddCxOptions<FlagOptions>(configuration, FlagOptions.Section); // Cx:Flags:ExposureCacheUnits
        services.AddSingleton<FlagExposureCache>();
        var store =
            services.LastOrDefault(d => d.ServiceType == typeof(Cx.Core.Documents.IDocumentStore))
            ?? throw new InvalidOperationException("Register the document store before the flag exposure cache.");
        services.Remove(store);
        services.AddSingleton<Cx.Core.Documents.IDocumentStore>(sp => new ExposureSignallingDocumentStore(
            Resolve(sp, store),
            sp.GetRequiredService<FlagExposureCache>()
        ));
        return services;
    }

    private static Cx.Core.Documents.IDocumentStore Resolve(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor switch
        {
            { ImplementationInstance: Cx.Core.Documents.IDocumentStore instance } => instance,
            { ImplementationFactory: { } factory } => (Cx.Core.Documents.IDocumentStore)factory(services),
            { ImplementationType: { } type } => (Cx.Core.Documents.IDocumentStore)ActivatorUtilities.CreateInstance(services, type),
            _ => throw new InvalidOperationException("The document store registration cannot be wrapped."),
        };

    /// <summary>Declares the index of the release history (after the store is initialised: registered after it).</summary>
    private sealed class FlagInitializer(FlagRegistry registry) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => registry.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
