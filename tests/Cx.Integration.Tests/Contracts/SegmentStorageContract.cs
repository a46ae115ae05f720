using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Segments;
using Cx.Integration.Tests.Contracts.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// The store operations segmentation relies on, through the IDocumentStore port, the same on every
/// adapter: member documents partitioned by segment and listed in customer-id order with keyset
/// pages, a customer's documents across segment partitions in one read, the version history
/// (filtered and sorted on declared indexes), and the pending-job query.
/// </summary>
public abstract class SegmentStorageContract : IAsyncLifetime
{
    protected abstract IDocumentStore Store { get; }

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    private SegmentRegistry Registry() => new(Store, _time, Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 }));

    public virtual async Task InitializeAsync()
    {
        await Store.InitializeAsync(CancellationToken.None);
        using var registry = Registry();
        await registry.InitializeAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static MembershipEntry Entry(string segment, int minute) =>
        new(segment, new DateTimeOffset(2026, 11, 25, 8, minute, 0, TimeSpan.Zero), 1);

    [Fact]
    public async Task Should_list_the_members_of_one_segment_in_id_order_across_pages()
    {
        foreach (var customer in (string[])["c5", "c1", "c4", "c2", "c3"])
        {
            await Store.UpsertAsync(Containers.Memberships, MembershipProjector.MemberDocument(customer, Entry("vip", 1)), default);
        }
        await Store.UpsertAsync(Containers.Memberships, MembershipProjector.MemberDocument("c1", Entry("gold", 2)), default);
        await Store.UpsertAsync(Containers.Memberships, MembershipProjector.MemberDocument("c9", Entry("gold", 3)), default);
        await Store.DeleteAsync(Containers.Memberships, new DocumentKey("vip", "c4"), null, default);

        var ids = new List<string>();
        Keyset? after = null;
        var pages = 0;
        do
        {
            var page = await Store.QueryAsync(Containers.Memberships, SegmentService.MembersQuery("vip", 2, after), default);
            ids.AddRange(page.Items.Select(d => d.Id));
            after = page.Next;
            pages++;
        } while (after is not null && pages < 10);

        Assert.Equal(["c1", "c2", "c3", "c5"], ids);
        Assert.Equal(2, pages);
        var gold = await Store.QueryAsync(Containers.Memberships, SegmentService.MembersQuery("gold", 10, null), default);
        Assert.Equal(["c1", "c9"], gold.Items.Select(d => d.Id));
        using var body = JsonDocument.Parse(gold.Items[0].Json);
        Assert.Equal(
            ("gold", "c1", "2026-11-25T08:02:00.000Z"),
            (
                body.RootElement.GetProperty("segment").GetString(),
                body.RootElement.GetProperty("customerId").GetString(),
                body.RootElement.GetProperty("since").GetString()
            )
        );
    }

    [Fact]
    public async Task Should_read_a_customers_documents_across_segment_partitions_at_once()
    {
        await Store.UpsertAsync(Containers.Memberships, MembershipProjector.MemberDocument("c1", Entry("vip", 1)), default);
        await Store.UpsertAsync(Containers.Memberships, MembershipProjector.MemberDocument("c1", Entry("gold", 2)), default);
        await Store.UpsertAsync(Containers.Memberships, MembershipProjector.MemberDocument("c2", Entry("gold", 3)), default);

        var found = await Store.ReadManyAsync(
            Containers.Memberships,
            [new DocumentKey("vip", "c1"), new DocumentKey("gold", "c1"), new DocumentKey("lapsed", "c1")],
            default
        );

        Assert.Equal(["gold", "vip"], found.Select(d => d.PartitionKey).Order(StringComparer.Ordinal));
        Assert.All(found, d => Assert.Equal(("c1", SegmentDocuments.Member), (d.Id, d.Type)));
    }

    [Fact]
    public async Task Should_list_rule_versions_newest_first_across_pages()
    {
        using var registry = Registry();
        var segment = new SegmentDefinition
        {
            Key = "vip",
            Name = "VIP",
            Criteria = JsonLiteral.From(JsonDocument.Parse("""{"field":"loyaltyTier","op":"eq","value":"gold"}""").RootElement),
        };
        await registry.SaveAsync(segment, create: true, null, _ => true, "test", default);
        await registry.SaveAsync(segment, create: false, null, _ => true, "test", default);
        await registry.SaveAsync(segment, create: false, null, _ => true, "test", default);
        await registry.SaveAsync(segment with { Key = "other" }, create: true, null, _ => true, "test", default);

        var versions = new List<int>();
        Keyset? after = null;
        do
        {
            var page = await registry.ListVersionsAsync("vip", 2, after, default);
            versions.AddRange(page.Items.Select(d => DefinitionDocuments.FromDocument<SegmentVersion>(d).Version));
            after = page.Next;
        } while (after is not null && versions.Count < 10);

        Assert.Equal([3, 2, 1], versions);
        Assert.Equal(3, (await registry.ReadCurrentAsync("vip", default))!.Definition.Version);
    }

    [Fact]
    public async Task Should_find_the_jobs_that_are_queued_or_running()
    {
        foreach (
            var (segment, state) in (ValueTuple<string, SegmentJobState>[])
                [("a", SegmentJobState.Queued), ("b", SegmentJobState.Running), ("c", SegmentJobState.Completed)]
        )
        {
            var job = new SegmentJob
            {
                Segment = segment,
                RuleVersion = 1,
                Reason = "created",
                State = state,
                QueuedAt = "2026-11-25T08:00:00.000Z",
            };
            await Store.UpsertAsync(
                Containers.Definitions,
                new DocumentWrite(
                    segment,
                    SegmentDocuments.Job,
                    SegmentDocuments.Job,
                    DefinitionDocuments.ToJson(job, segment, SegmentDocuments.Job, job.QueuedAt, job.QueuedAt)
                ),
                default
            );
        }

        var pending = await Store.QueryAsync(Containers.Definitions, SegmentJobs.PendingQuery, default);

        Assert.Equal(["a", "b"], pending.Items.Select(d => d.Id));
    }
}

public sealed class SqliteSegmentStorageContractTests : SegmentStorageContract, IDisposable
{
    private readonly SqliteTestStore _sqlite = new();

    protected override IDocumentStore Store => _sqlite.Store;

    public void Dispose() => _sqlite.Dispose();
}

/// <summary>The segment storage contract on the Cosmos DB store, its queries run by the protocol server's SQL engine with the store's indexing policy.</summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosSegmentStorageContractTests(CosmosServerFixture server) : SegmentStorageContract
{
    private CosmosTestStore _cosmos = null!;

    protected override IDocumentStore Store => _cosmos.Store;

    public override async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(
            server,
            services => new NodeCosmosQueryRunner(services.GetRequiredService<Cx.Azure.Cosmos.CosmosContainers>(), server.QueryEngine)
        );
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync() => await _cosmos.DisposeAsync();
}
