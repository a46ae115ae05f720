using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>
/// The document store contract against a real Cosmos DB protocol server. Not inherited here,
/// deliberately: <see cref="ChangeFeedResumeContract"/>, because the server's change feed cannot
/// continue from a continuation token (PLATFORM.md: it answers 304 to every continuation), so a
/// consumer can never see writes made after its first read. Cx.Core.Tests'
/// CosmosChangeFeedTests covers resuming, paging and never rewinding for CosmosChangeFeed with
/// a simulated feed; the cases here all read the feed as a fresh consumer (from the beginning),
/// which the server does serve.
/// </summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosDocumentStoreContractTests(CosmosServerFixture server) : DocumentStoreContract
{
    private CosmosTestStore _cosmos = null!;

    protected override IDocumentStore Store => _cosmos.Store;

    protected override IChangeFeed Feed => _cosmos.Feed;

    public override async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(server);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync() => await _cosmos.DisposeAsync();
}

/// <summary>
/// The query contract for the Cosmos DB store: the same cases and expectations as SQLite, with
/// the SQL that <c>CosmosQueryBuilder</c> generates executed by the protocol server's Cosmos SQL
/// engine (@zeit/cosmosdb-query) over the items the store wrote to the server, and validated
/// against the composite indexes the store put in the container's indexing policy
/// (see <see cref="NodeCosmosQueryRunner"/>). The server itself cannot serve ORDER BY or
/// cross-partition queries over HTTP (PLATFORM.md).
/// </summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosDocumentQueryContractTests(CosmosServerFixture server) : DocumentQueryContract
{
    private CosmosTestStore _cosmos = null!;

    protected override IDocumentStore Store => _cosmos.Store;

    public override async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(
            server,
            services => new NodeCosmosQueryRunner(services.GetRequiredService<CosmosContainers>(), server.QueryEngine)
        );
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync() => await _cosmos.DisposeAsync();
}
