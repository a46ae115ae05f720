using Cx.Core.Common;
using Cx.Core.Documents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Profiles;

public static class CustomerListCacheServiceCollectionExtensions
{
    /// <summary>
    /// The customer list cache: <c>Cx:CustomerListCache</c> settings, the cache on HybridCache, and the
    /// registered <see cref="IDocumentStore"/> wrapped so every write expires it. Call after the storage adapter.
    /// </summary>
    public static IServiceCollection AddCxCustomerListCache(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(CustomerListCache)))
        {
            return services;
        }
        services.AddCxOptions<CustomerListCacheOptions>(configuration, CustomerListCacheOptions.Section);
        services.AddHybridCache();
        services.TryAddSingleton<DocumentWriteGenerations>();
        services.TryAddSingleton<CustomerListCache>();
        var store =
            services.LastOrDefault(d => d.ServiceType == typeof(IDocumentStore))
            ?? throw new InvalidOperationException("Register the document store before the customer list cache.");
        services.Remove(store);
        services.AddSingleton<IDocumentStore>(sp => new WriteSignallingDocumentStore(
            Resolve(sp, store),
            sp.GetRequiredService<CustomerListCache>()
        ));
        return services;
    }

    private static IDocumentStore Resolve(IServiceProvider services, ServiceDescriptor descriptor) =>
        descriptor switch
        {
            { ImplementationInstance: IDocumentStore instance } => instance,
            { ImplementationFactory: { } factory } => (IDocumentStore)factory(services),
            { ImplementationType: { } type } => (IDocumentStore)ActivatorUtilities.CreateInstance(services, type),
            _ => throw new InvalidOperationException("The document store registration cannot be wrapped."),
        };
}
