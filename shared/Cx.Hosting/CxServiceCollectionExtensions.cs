using Cx.Azure;
using Cx.Core;
using Cx.Core.Content;
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
        services.AddCxHttp(configuration);

        var storage = Providers.Resolve(Providers.StorageKey, configuration[Providers.StorageKey], Providers.Storage);
        switch (storage)
        {
            case Providers.Sqlite:
                services.AddCxSqliteStorage(configuration);
                break;
            case Providers.Cosmos:
                services.AddCxCosmosStorage(configuration);
                break;
        }

        services.AddHostedService<CxInitializer>();
        return services;
    }
}
