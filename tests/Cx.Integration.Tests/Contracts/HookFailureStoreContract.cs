using System.Text;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Integration.Tests.Contracts.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// The durable attempt counts and dead letters of lifecycle hooks, through the IDocumentStore port,
/// the same on every adapter: counting attempts (without losing one to a concurrent writer),
/// dead-lettering at the maximum, the change kept with its bodies, the listings the dispatcher and
/// the admin API use, and conditional deletes.
/// </summary>
public abstract class HookFailureStoreContract : IAsyncLifetime
{
    protected abstract IDocumentStore Store { get; }

    protected abstract FakeTimeProvider Time { get; }

    private HookFailureStore Failures => new(Store, Time);

    public virtual async Task InitializeAsync()
    {
        await Store.InitializeAsync(CancellationToken.None);
        await Failures.InitializeAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static ChangeRecord Change(string id, int position, string? before = null) =>
        new(
            position.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Containers.Customers,
            id,
            id,
            "customer",
            ChangeKind.Upsert,
            "etag-" + id,
            new DateTimeOffset(2026, 11, 25, 7, 0, 0, TimeSpan.Zero),
            // Typed as nullable memory: a null byte[] would convert to an empty body, not to null.
            before is null
                ? null
                : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(before),
            Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","name":"Grüße \"{{id}}\"","n":1.5}""")
        );

    [Fact]
    public async Task Should_count_attempts_and_dead_letter_at_the_maximum()
    {
        var change = Change("c1", 7, before: """{"id":"c1"}""");
        var error = new InvalidOperationException("boom");

        var first = await Failures.RecordAttemptAsync("segments", change, error, 3, default);
        Time.Advance(TimeSpan.FromSeconds(5));
        var second = await Failures.RecordAttemptAsync("segments", change, error, 3, default);
        Time.Advance(TimeSpan.FromSeconds(5));
        var third = await Failures.RecordAttemptAsync("segments", change, error, 3, default);

        Assert.Equal((HookFailureStatus.Retrying, 1), (first.Status, first.Attempts));
        Assert.Equal((HookFailureStatus.Retrying, 2), (second.Status, second.Attempts));
        Assert.Equal((HookFailureStatus.Dead, 3), (third.Status, third.Attempts));
        var read = await Failures.ReadAsync("segments", HookFailureStore.RecordId("segments", change), default);
        Assert.NotNull(read);
        Assert.Equal((HookFailureStatus.Dead, 3, "boom"), (read.Status, read.Attempts, read.ErrorMessage));
        Assert.Equal(first.FirstFailedAt, read.FirstFailedAt);
        Assert.Equal(Time.GetUtcNow(), read.LastFailedAt);
        Assert.Equal(Time.GetUtcNow(), read.DeadAt);
        Assert.Equal(
            (change.Position, change.Container, change.Id, change.PartitionKey, change.ETag, change.CommittedAt),
            (
                read.Change.Position,
                read.Change.Container,
                read.Change.Id,
                read.Change.PartitionKey,
                read.Change.ETag,
                read.Change.CommittedAt
            )
        );
        Assert.Equal("""{"id":"c1","name":"Grüße \"c1\"","n":1.5}""", Encoding.UTF8.GetString(read.Change.After!.Value.Span));
        Assert.Equal("""{"id":"c1"}""", Encoding.UTF8.GetString(read.Change.Before!.Value.Span));
    }

    [Fact]
    public async Task Should_lose_no_attempt_when_two_dispatchers_count_at_once()
    {
        var change = Change("c1", 1);

        await Task.WhenAll(
            Enumerable
                .Range(0, 4)
                .Select(_ => Failures.RecordAttemptAsync("segments", change, new InvalidOperationException("x"), 10, default).AsTask())
        );

        var read = await Failures.ReadAsync("segments", HookFailureStore.RecordId("segments", change), default);
        Assert.Equal(4, read!.Attempts);
    }

    [Fact]
    public async Task Should_list_newest_failure_first_by_hook_and_status_across_pages()
    {
        for (var i = 0; i < 5; i++)
        {
            await Failures.RecordAttemptAsync(
                "segments",
                Change("c" + i, i),
                new InvalidOperationException("x"),
                i % 2 == 0 ? 1 : 5,
                default
            );
            Time.Advance(TimeSpan.FromMinutes(1));
        }
        await Failures.RecordAttemptAsync("other", Change("o1", 9), new InvalidOperationException("x"), 1, default);

        var dead = new List<string>();
        Keyset? after = null;
        do
        {
            var page = await Failures.ListAsync("segments", HookFailureStatus.Dead, 2, after, default);
            dead.AddRange(page.Items.Select(d => HookFailureStore.FromDocument(d).Change.Id));
            after = page.Next;
        } while (after is not null && dead.Count < 10);
        var everything = await Failures.ListAsync(null, null, 20, null, default);
        var retrying = await Failures.RetryingIdsAsync("segments", default);

        Assert.Equal(["c4", "c2", "c0"], dead);
        Assert.Equal(["o1", "c4", "c3", "c2", "c1", "c0"], everything.Items.Select(d => HookFailureStore.FromDocument(d).Change.Id));
        string[] expected =
        [
            HookFailureStore.RecordId("segments", Change("c1", 1)),
            HookFailureStore.RecordId("segments", Change("c3", 3)),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), retrying.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_read_many_and_delete_only_at_the_expected_version()
    {
        var one = await Failures.RecordAttemptAsync("segments", Change("c1", 1), new InvalidOperationException("x"), 3, default);
        var two = await Failures.RecordAttemptAsync("segments", Change("c2", 2), new InvalidOperationException("x"), 3, default);

        var many = await Failures.ReadManyAsync("segments", [one.Id, two.Id, "missing"], default);
        await Assert.ThrowsAsync<ETagMismatchException>(async () => await Failures.DeleteAsync("segments", one.Id, "stale", default));
        Assert.True(await Failures.DeleteAsync("segments", one.Id, one.ETag, default));
        Assert.False(await Failures.DeleteAsync("segments", one.Id, null, default));

        Assert.Equal(new[] { one.Id, two.Id }.Order(StringComparer.Ordinal), many.Keys.Order(StringComparer.Ordinal));
        Assert.Null(await Failures.ReadAsync("segments", one.Id, default));
        Assert.NotNull(await Failures.ReadAsync("segments", two.Id, default));
    }
}

public sealed class SqliteHookFailureStoreContractTests : HookFailureStoreContract, IDisposable
{
    private readonly SqliteTestStore _sqlite = new();

    protected override IDocumentStore Store => _sqlite.Store;

    protected override FakeTimeProvider Time => _sqlite.Time;

    public void Dispose() => _sqlite.Dispose();
}

/// <summary>The hook-failure contract on the Cosmos DB store, its queries run by the protocol server's SQL engine with the store's indexing policy.</summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosHookFailureStoreContractTests(CosmosServerFixture server) : HookFailureStoreContract
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

    public override async Task DisposeAsync() => await _cosmos.DisposeAsync();
}
