using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Audit;
using Cx.Core.Documents;
using Cx.Integration.Tests.Contracts.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// The audit log's hash chain on every adapter, tampered with through the IDocumentStore port (as
/// code or a person with store access but no audit API would): appends from two instances at once
/// keep one chain, and an edited or a deleted entry and a truncated tail are named. (A reordered
/// entry needs a body stored under another entry's id, which the Cosmos DB store refuses; the
/// SQLite file allows it, and Cx.Core.Tests' AuditChainTests swaps rows there.)
/// </summary>
public abstract class AuditChainContract : IAsyncLifetime
{
    private const string Month = "2026-11";

    protected abstract IDocumentStore Store { get; }

    protected abstract FakeTimeProvider Time { get; }

    private AuditLog _audit = null!;

    public virtual async Task InitializeAsync()
    {
        await Store.InitializeAsync(CancellationToken.None);
        _audit = new AuditLog(Store, Time, NullLogger<AuditLog>.Instance);
        await _audit.InitializeAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync()
    {
        _audit.Dispose();
        return Task.CompletedTask;
    }

    private static string Id(long seq) => AuditChain.EntryId(Month, seq);

    private async Task RecordAsync(int count, AuditLog? log = null)
    {
        for (var i = 0; i < count; i++)
        {
            await (log ?? _audit).RecordAsync("tester", null, "test.action", "thing", "t" + i, true, new { n = i * 1.5 }, default);
        }
    }

    private async Task<StoredDocument> EntryAsync(long seq) =>
        (await Store.ReadAsync(Containers.Audit, new DocumentKey(Month, Id(seq)), default))!;

    private async Task<AuditBreak?> BreakAsync() => (await _audit.VerifyAsync(Month, default)).Break;

    [Fact]
    public async Task Should_keep_one_chain_when_two_instances_append_at_once()
    {
        using var other = new AuditLog(Store, Time, NullLogger<AuditLog>.Instance);
        await RecordAsync(1);
        await RecordAsync(1, other);

        await Task.WhenAll(RecordAsync(10), RecordAsync(10, other));

        var result = await _audit.VerifyAsync(Month, default);
        Assert.True(result.Ok, result.Break?.Detail);
        Assert.Equal((22L, 22L), (result.Entries, result.HeadSeq!.Value));
    }

    [Fact]
    public async Task Should_name_an_entry_edited_through_the_store()
    {
        await RecordAsync(3);
        var entry = JsonNode.Parse((await EntryAsync(2)).Json.Span)!.AsObject();
        entry["actor"] = "someone-else";

        await Store.ReplaceAsync(
            Containers.Audit,
            new DocumentWrite(Id(2), Month, AuditLog.EntryType, JsonSerializer.SerializeToUtf8Bytes(entry)),
            null,
            default
        );

        Assert.Equal((Id(2), AuditBreaks.Edited), (await BreakAsync()) is { } b ? (b.EntryId, b.Reason) : default);
    }

    [Fact]
    public async Task Should_name_an_entry_deleted_through_the_store()
    {
        await RecordAsync(3);

        await Store.DeleteAsync(Containers.Audit, new DocumentKey(Month, Id(2)), null, default);

        Assert.Equal((Id(2), AuditBreaks.Deleted), (await BreakAsync()) is { } b ? (b.EntryId, b.Reason) : default);
    }

    [Fact]
    public async Task Should_name_the_first_entry_of_a_tail_truncated_through_the_store()
    {
        await RecordAsync(4);

        await Store.DeleteAsync(Containers.Audit, new DocumentKey(Month, Id(4)), null, default);
        await Store.DeleteAsync(Containers.Audit, new DocumentKey(Month, Id(3)), null, default);

        Assert.Equal((Id(3), AuditBreaks.Truncated), (await BreakAsync()) is { } b ? (b.EntryId, b.Reason) : default);
    }
}

public sealed class SqliteAuditChainContractTests : AuditChainContract, IDisposable
{
    private readonly SqliteTestStore _sqlite = new();

    protected override IDocumentStore Store => _sqlite.Store;

    protected override FakeTimeProvider Time => _sqlite.Time;

    public void Dispose() => _sqlite.Dispose();
}

/// <summary>The audit chain contract on the Cosmos DB store, its queries run by the protocol server's SQL engine with the store's indexing policy.</summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosAuditChainContractTests(CosmosServerFixture server) : AuditChainContract
{
    private CosmosTestStore _cosmos = null!;

    protected override IDocumentStore Store => _cosmos.Store;

    protected override FakeTimeProvider Time => _cosmos.Time;

    public override async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(
            server,
            services => new NodeCosmosQueryRunner(services.GetRequiredService<Cx.Azure.Cosmos.CosmosContainers>(), server.QueryEngine)
        );
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _cosmos.DisposeAsync();
    }
}
