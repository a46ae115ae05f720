using Cx.Core;
using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Embedded;
using Cx.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Hosting;

public static class CxServiceCollectionExtensions
{
    /// <summary>
    /// The one composition root of Cx, used by the function app and the DevHost: options,
    /// the product's services, the HTTP contract and the adapters chosen by configuration.
    /// An unknown provider fails here, at start-up, naming the allowed values.
    /// </summary>
    public static IServiceCollection AddCx(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<ContentOptions>()
            .Bind(configuration.GetSection(ContentOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddCxContent();
        services.AddCxIdentity();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BootstrapOptions>().Bind(configuration.GetSection(BootstrapOptions.Section));
        services.AddCxHttp(configuration);

        switch (Providers.Resolve(Providers.KeyProviderKey, configuration[Providers.KeyProviderKey], Providers.KeyProviders))
        {
            case Providers.LocalKeys:
                services.AddSingleton<ISigningKeyStore, Cx.Embedded.Identity.LocalSigningKeyStore>();
                break;
            case Providers.ConfiguredKeys:
                services.AddSingleton<ISigningKeyStore, ConfiguredSigningKeyStore>();
                break;
        }

        var storage = Providers.Resolve(Providers.StorageKey, configuration[Providers.StorageKey], Providers.Storage);
        switch (storage)
        {
            case Providers.Sqlite:
                services.AddCxSqliteStorage(configuration);
                break;
        }

        services.AddHostedService<CxInitializer>();
        return services;
    }
}
