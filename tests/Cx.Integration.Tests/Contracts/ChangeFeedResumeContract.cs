using System.Text;
using Cx.Core.Documents;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// Change-feed behaviour across commits: resuming after a checkpoint, paging, never rewinding.
/// Subclassed by every adapter whose feed can be resumed in a test. The Cosmos DB adapter is
/// not: the protocol server's change feed cannot continue from a continuation token
/// (PLATFORM.md), so Cx.Core.Tests covers the same behaviour for CosmosChangeFeed with a
/// simulated feed (CosmosChangeFeedTests).
/// </summary>
public abstract class ChangeFeedResumeContract : IAsyncLifetime
{
    private const string Container = Containers.Content;

    protected abstract IDocumentStore Store { get; }

    protected abstract IChangeFeed Feed { get; }

    public virtual async Task InitializeAsync() => await Store.InitializeAsync(CancellationToken.None);

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Should_deliver_only_new_changes_after_a_commit()
    {
        await WriteAsync("a");
        var first = await Feed.ReadAsync("hooks", 100, default);
        await Feed.CommitAsync("hooks", first.Checkpoint, default);

        await WriteAsync("b");
        var second = await Feed.ReadAsync("hooks", 100, default);

        Assert.Equal(["a"], first.Changes.Select(ch => ch.Id));
        Assert.Equal(["b"], second.Changes.Select(ch => ch.Id));
    }

    [Fact]
    public async Task Should_never_rewind_when_an_older_checkpoint_is_committed_late()
    {
        await WriteAsync("a");
        var first = await Feed.ReadAsync("hooks", 100, default);
        await Feed.CommitAsync("hooks", first.Checkpoint, default);
        await WriteAsync("b");
        var second = await Feed.ReadAsync("hooks", 100, default);
        await Feed.CommitAsync("hooks", second.Checkpoint, default);

        await Feed.CommitAsync("hooks", first.Checkpoint, default);
        await WriteAsync("c");
        var third = await Feed.ReadAsync("hooks", 100, default);

        Assert.Equal(["c"], third.Changes.Select(ch => ch.Id));
    }

    [Fact]
    public async Task Should_page_through_the_feed_without_gaps_or_repeats()
    {
        string[] ids = ["a", "b", "c", "d", "e", "f", "g"];
        foreach (var id in ids)
        {
            await WriteAsync(id);
        }

        var delivered = new List<string>();
        for (var reads = 0; reads < 20; reads++)
        {
            var batch = await Feed.ReadAsync("hooks", 2, default);
            if (batch.Changes.Count == 0)
            {
                break;
            }
            Assert.InRange(batch.Changes.Count, 1, 2);
            delivered.AddRange(batch.Changes.Select(ch => ch.Id));
            await Feed.CommitAsync("hooks", batch.Checkpoint, default);
        }

        Assert.Equal(ids, delivered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_redeliver_after_the_checkpoint_when_a_batch_is_not_committed()
    {
        await WriteAsync("a");
        await Feed.CommitAsync("hooks", (await Feed.ReadAsync("hooks", 100, default)).Checkpoint, default);
        await WriteAsync("b");
        await WriteAsync("c");

        var failed = await Feed.ReadAsync("hooks", 100, default);
        var retried = await Feed.ReadAsync("hooks", 100, default);

        Assert.Equal(["b", "c"], failed.Changes.Select(ch => ch.Id).Order(StringComparer.Ordinal));
        Assert.Equal(failed.Changes.Select(ch => (ch.Id, ch.ETag)), retried.Changes.Select(ch => (ch.Id, ch.ETag)));
    }

    private async Task WriteAsync(string id) =>
        await Store.CreateAsync(
            Container,
            new DocumentWrite(id, "p1", "note", Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","type":"note"}""")),
            default
        );
}
