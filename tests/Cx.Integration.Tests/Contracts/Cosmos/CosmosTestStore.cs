using Cx.Azure;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>
/// The Cosmos DB store wired exactly as the app wires it (<c>AddCxCosmosStorage</c>, settings by
/// their app-setting names), on its own database of the shared protocol server, so test
/// classes and test cases never see each other's documents.
/// </summary>
public sealed class CosmosTestStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CosmosTestStore(ServiceProvider services, string database)
    {
        _services = services;
        Database = database;
    }

    public string Database { get; }

    public FakeTimeProvider Time => (FakeTimeProvider)_services.GetRequiredService<TimeProvider>();

    public IDocumentStore Store => _services.GetRequiredService<IDocumentStore>();

    public IChangeFeed Feed => _services.GetRequiredService<IChangeFeed>();

    public IServiceProvider Services => _services;

    public CosmosContainers Containers => _services.GetRequiredService<CosmosContainers>();

    public CosmosOptions Options => _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CosmosOptions>>().Value;

    /// <summary>
    /// A store on a new database (or <paramref name="database"/>); <paramref name="queryRunner"/>
    /// replaces the SDK's query runner, <paramref name="configure"/> overrides registrations.
    /// </summary>
    internal static async Task<CosmosTestStore> CreateAsync(
        CosmosServerFixture server,
        Func<IServiceProvider, ICosmosQueryRunner>? queryRunner = null,
        Action<IServiceCollection>? configure = null,
        string? database = null
    )
    {
        if (database is not null)
        {
            return Build(server, queryRunner, configure, database);
        }
        for (var attempt = 1; ; attempt++)
        {
            var store = Build(server, queryRunner, configure, "cx-" + Guid.NewGuid().ToString("n")[..12]);
            // The protocol server writes resource ids in plain base64 where Cosmos DB avoids '/'; a
            // database whose id holds '/' or '+' (every 64th) confuses the SDK's caches, so skip it.
            var created = await store.Containers.Client.CreateDatabaseIfNotExistsAsync(store.Database);
            var rid = created.Resource.SelfLink.Trim('/')["dbs/".Length..];
            if (rid.AsSpan().IndexOfAny('/', '+') >= 0 && attempt < 10)
            {
                await store.DisposeAsync();
                continue;
            }
            return store;
        }
    }

    private static CosmosTestStore Build(
        CosmosServerFixture server,
        Func<IServiceProvider, ICosmosQueryRunner>? queryRunner,
        Action<IServiceCollection>? configure,
        string database
    )
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["ConnectionStrings:CosmosDb"] = server.ConnectionString,
                    ["Cx:Storage:Cosmos:Database"] = database,
                    ["Cx:Storage:Cosmos:GatewayMode"] = "true",
                    ["Cx:Storage:Cosmos:AcceptLoopbackCertificate"] = "true",
                }
            )
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero)));
        if (queryRunner is not null)
        {
            services.AddSingleton(queryRunner);
        }
        services.AddCxCosmosStorage(configuration);
        configure?.Invoke(services);
        return new CosmosTestStore(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }), database);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
