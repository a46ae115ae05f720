using Cx.Http.Endpoints;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>Registers the HTTP contract: options and the endpoint handlers the functions call.</summary>
    public static IServiceCollection AddCxHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EntryEndpoints>();
        services.AddSingleton<DefinitionEndpoints>();
        services.AddSingleton<SystemEndpoints>();
        services.AddSingleton<EventEndpoints>();
        return services;
    }
}
