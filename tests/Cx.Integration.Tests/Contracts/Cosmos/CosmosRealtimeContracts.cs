using Cx.Azure.Cosmos;
using Cx.Azure.Realtime;
using Cx.Core.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>The channel log contract on the Cosmos DB protocol server, wired as the app wires it (ADR 0437).</summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosChannelLogContractTests(CosmosServerFixture server) : ChannelLogContract
{
    private CosmosTestStore _cosmos = null!;

    protected override bool PrunesAcrossChannels => false;

    protected override IChannelLog CreateLog() => new CosmosChannelLog(_cosmos.Containers);

    public override async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(server, configure: services => services.AddCxCosmosRealtimeLog());
        await _cosmos.Containers.InitializeAsync(default);
        // The registration resolves to the Cosmos adapter.
        Assert.IsType<CosmosChannelLog>(_cosmos.Services.GetRequiredService<IChannelLog>());
    }

    public override async Task DisposeAsync() => await _cosmos.DisposeAsync();
}

/// <summary>The offline-client ledger contract on the Cosmos DB protocol server, wired as the app wires it (ADR 0437).</summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosMutationLedgerContractTests(CosmosServerFixture server) : MutationLedgerContract
{
    private CosmosTestStore _cosmos = null!;

    protected override IMutationLedger CreateLedger() => new CosmosMutationLedger(_cosmos.Containers, Time);

    public override async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(server, configure: services => services.AddCxCosmosRealtimeLog());
        await _cosmos.Containers.InitializeAsync(default);
        Assert.IsType<CosmosMutationLedger>(_cosmos.Services.GetRequiredService<IMutationLedger>());
    }

    public override async Task DisposeAsync() => await _cosmos.DisposeAsync();
}
