using GraphQL;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Http.GraphQL;

public static class GraphQLServiceCollectionExtensions
{
    /// <summary>GraphQL beside REST: the schema provider (rebuilt on the definitions' fingerprint), the executer and the transport.</summary>
    public static IServiceCollection AddCxGraphQL(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<GraphQLOptions>()
            .Bind(configuration.GetSection(GraphQLOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PersistedQueries>();
        services.AddSingleton<GraphQLSchemaProvider>();
        services.AddSingleton<IDocumentExecuter, DocumentExecuter>();
        services.AddSingleton<GraphQLEndpoints>();
        return services;
    }
}
