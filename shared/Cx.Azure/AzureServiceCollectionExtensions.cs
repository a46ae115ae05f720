using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure;

public static class AzureServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Cosmos DB document store and its change feed. Settings: <c>Cx:Storage:Cosmos</c>
    /// (<see cref="CosmosOptions"/>) and the connection as the Functions host names it:
    /// <c>CosmosDb:accountEndpoint</c> (+ optional <c>CosmosDb:clientId</c>) for managed identity,
    /// or a connection string in <c>ConnectionStrings:CosmosDb</c> or <c>CosmosDb</c>. Validated at start-up.
    /// </summary>
    public static IServiceCollection AddCxCosmosStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<CosmosOptions>()
            .Bind(configuration.GetSection(CosmosOptions.Section))
            .Configure(options =>
            {
                // The connection is read only where the Functions host reads it, never from Cx:Storage:Cosmos.
                options.AccountEndpoint = NullIfBlank(configuration[CosmosOptions.AccountEndpointKey]);
                options.ClientId = NullIfBlank(configuration[CosmosOptions.ClientIdKey]);
                options.ConnectionString =
                    NullIfBlank(configuration[CosmosOptions.ConnectionStringKey])
                    ?? NullIfBlank(configuration[CosmosOptions.ConnectionSettingKey]);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CosmosOptions>, CosmosOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => CosmosClientFactory.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value));
        services.AddSingleton<CosmosContainers>();
        services.AddSingleton<CosmosIndexes>();
        services.AddSingleton(sp => new CosmosUniqueValues(
            sp.GetRequiredService<CosmosContainers>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CosmosOptions>>(),
            sp.GetRequiredService<ILogger<CosmosUniqueValues>>()
        ));
        services.TryAddSingleton<ICosmosQueryRunner>(sp => new CosmosSdkQueryRunner(sp.GetRequiredService<CosmosContainers>()));
        services.AddSingleton(sp => new CosmosDocumentStore(
            sp.GetRequiredService<CosmosContainers>(),
            sp.GetRequiredService<CosmosIndexes>(),
            sp.GetRequiredService<CosmosUniqueValues>(),
            sp.GetRequiredService<ICosmosQueryRunner>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CosmosOptions>>(),
            sp.GetRequiredService<ILogger<CosmosDocumentStore>>()
        ));
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<CosmosDocumentStore>());
        services.AddSingleton(sp => new CosmosChangeFeed(
            new CosmosChangeFeedSource(sp.GetRequiredService<CosmosContainers>()),
            new CosmosChangeFeedLeases(sp.GetRequiredService<CosmosContainers>()),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CosmosChangeFeed>>()
        ));
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<CosmosChangeFeed>());
        return services;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
