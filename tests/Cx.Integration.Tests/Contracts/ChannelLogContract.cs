using System.Text;
using Cx.Core.Realtime;
using Cx.Embedded.Realtime;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// The realtime channel log, the same on every adapter (ADR 0437): gap-free offsets per channel
/// under one epoch, idempotent appends, gap-free offsets when two instances append to one channel
/// at once, and resumes that return everything after a position or nothing at all (another
/// epoch, a position past the head, too far behind, older than the retention window).
/// </summary>
public abstract class ChannelLogContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A log over the test's store; each call is a new adapter instance (another app instance) on the same data.</summary>
    protected abstract IChannelLog CreateLog();

    /// <summary>
    /// Whether the store can run the prune's query across partitions. The Cosmos DB protocol
    /// server cannot (PLATFORM.md), so there the prune assertions do not run.
    /// </summary>
    protected virtual bool PrunesAcrossChannels => true;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private ChannelAppend Item(string channel, string key) =>
        new(
            channel,
            key,
            Time.GetUtcNow(),
            Encoding.UTF8.GetBytes($$$"""{"kind":"upsert","id":"{{{key}}}","data":{"name":"Grüße \"x\""}}""")
        );

    private DateTimeOffset Retained => Time.GetUtcNow() - TimeSpan.FromHours(24);

    [Fact]
    public async Task Should_number_each_channel_from_one_without_gaps_under_one_epoch()
    {
        var log = CreateLog();
        var first = await log.AppendAsync([Item("customer:a", "k1"), Item("customer:b", "k1"), Item("customer:a", "k2")], default);
        Assert.Equal([1L, 1L, 2L], first.Select(p => p.Offset));
        Assert.Equal(first[0].Epoch, first[2].Epoch);
        Assert.NotEqual(first[0].Epoch, first[1].Epoch);
        var later = await log.AppendAsync([Item("customer:a", "k3")], default);
        Assert.Equal(3, later[0].Offset);
        Assert.Equal(first[0].Epoch, later[0].Epoch);
    }

    [Fact]
    public async Task Should_append_a_redelivered_key_once_and_return_its_publication_again()
    {
        var log = CreateLog();
        var once = await log.AppendAsync([Item("ticket:t", "k1"), Item("ticket:t", "k2")], default);
        var again = await log.AppendAsync([Item("ticket:t", "k2"), Item("ticket:t", "k3")], default);
        Assert.Equal(2, again[0].Offset);
        Assert.Equal(once[1].Body.ToArray(), again[0].Body.ToArray());
        Assert.Equal(3, again[1].Offset);
        var head = await log.ReadSinceAsync("ticket:t", null, Retained, 100, default);
        Assert.Equal(3, head.Head.Offset);
        Assert.False(head.Recovered);
    }

    [Fact]
    public async Task Should_resume_with_everything_after_the_position_in_order_with_the_exact_bodies()
    {
        var log = CreateLog();
        var items = Enumerable.Range(1, 30).Select(i => Item("entry:a:1", "k" + i)).ToList();
        var published = await log.AppendAsync(items, default);
        var replay = await CreateLog().ReadSinceAsync("entry:a:1", new ChannelPosition(published[0].Epoch, 10), Retained, 100, default);
        Assert.True(replay.Recovered);
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), replay.Publications.Select(p => p.Offset));
        Assert.Equal(items[10].Body.ToArray(), replay.Publications[0].Body.ToArray());
        Assert.Equal("k11", System.Text.Json.JsonDocument.Parse(replay.Publications[0].ToJson()).RootElement.GetProperty("id").GetString());
        var atHead = await log.ReadSinceAsync("entry:a:1", new ChannelPosition(published[0].Epoch, 30), Retained, 100, default);
        Assert.True(atHead.Recovered);
        Assert.Empty(atHead.Publications);
    }

    [Fact]
    public async Task Should_not_recover_from_another_epoch_a_position_past_the_head_or_too_far_behind()
    {
        var log = CreateLog();
        var published = await log.AppendAsync([.. Enumerable.Range(1, 20).Select(i => Item("segment:s", "k" + i))], default);
        var epoch = published[0].Epoch;
        foreach (
            var (position, max) in new[]
            {
                (new ChannelPosition("other", 5), 100),
                (new ChannelPosition(epoch, 21), 100),
                (new ChannelPosition(epoch, -1), 100),
                (new ChannelPosition(epoch, 2), 10),
            }
        )
        {
            var replay = await log.ReadSinceAsync("segment:s", position, Retained, max, default);
            Assert.False(replay.Recovered);
            Assert.Empty(replay.Publications);
            Assert.Equal(new ChannelPosition(epoch, 20), replay.Head);
        }
    }

    [Fact]
    public async Task Should_not_recover_a_position_older_than_the_retention_window_and_prune_only_old_publications()
    {
        var log = CreateLog();
        var old = await log.AppendAsync([Item("customer:r", "k1"), Item("customer:r", "k2")], default);
        Time.Advance(TimeSpan.FromHours(25));
        await log.AppendAsync([Item("customer:r", "k3")], default);
        var position = new ChannelPosition(old[0].Epoch, 1);
        var expired = await log.ReadSinceAsync("customer:r", position, Retained, 100, default);
        Assert.False(expired.Recovered);
        Assert.Empty(expired.Publications);
        // A client that already had the last old publication misses nothing still retained.
        var current = await log.ReadSinceAsync("customer:r", new ChannelPosition(old[0].Epoch, 2), Retained, 100, default);
        Assert.True(current.Recovered);
        Assert.Equal([3L], current.Publications.Select(p => p.Offset));

        if (!PrunesAcrossChannels)
        {
            return;
        }
        Assert.Equal(2, await log.PruneAsync(Retained, default));
        Assert.False((await log.ReadSinceAsync("customer:r", position, Retained, 100, default)).Recovered);
        var kept = await log.ReadSinceAsync("customer:r", new ChannelPosition(old[0].Epoch, 2), Retained, 100, default);
        Assert.Equal([3L], kept.Publications.Select(p => p.Offset));
        // Pruning keeps the head: the next append continues the channel's offsets under its epoch.
        var next = await log.AppendAsync([Item("customer:r", "k4")], default);
        Assert.Equal((old[0].Epoch, 4L), (next[0].Epoch, next[0].Offset));
    }

    [Fact]
    public async Task Should_give_a_new_channel_its_epoch_at_the_first_read_and_keep_it_for_appends()
    {
        var log = CreateLog();
        var empty = await log.ReadSinceAsync("ticket:new", null, Retained, 100, default);
        Assert.False(empty.Recovered);
        Assert.Equal(0, empty.Head.Offset);
        var published = await log.AppendAsync([Item("ticket:new", "k1")], default);
        Assert.Equal(empty.Head.Epoch, published[0].Epoch);
        var resumed = await log.ReadSinceAsync("ticket:new", empty.Head, Retained, 100, default);
        Assert.True(resumed.Recovered);
        Assert.Equal([1L], resumed.Publications.Select(p => p.Offset));
    }

    [Fact]
    public async Task Should_keep_offsets_gap_free_and_unique_when_two_instances_append_to_one_channel_at_once()
    {
        var (a, b) = (CreateLog(), CreateLog());
        var tasks = Enumerable
            .Range(0, 8)
            .Select(i =>
                (i % 2 == 0 ? a : b)
                    .AppendAsync([Item("customer:busy", "k" + i + "a"), Item("customer:busy", "k" + i + "b")], default)
                    .AsTask()
            )
            .ToList();
        // The same key from both instances at once is appended once.
        tasks.Add(a.AppendAsync([Item("customer:busy", "shared")], default).AsTask());
        tasks.Add(b.AppendAsync([Item("customer:busy", "shared")], default).AsTask());
        var results = await Task.WhenAll(tasks);
        var offsets = results.Take(8).SelectMany(r => r).Select(p => p.Offset).Append(results[8][0].Offset).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 17).Select(i => (long)i), offsets);
        Assert.Equal(results[8][0].Offset, results[9][0].Offset);
        Assert.Single(results.SelectMany(r => r).Select(p => p.Epoch).Distinct());
        var all = await a.ReadSinceAsync("customer:busy", new ChannelPosition(results[0][0].Epoch, 0), Retained, 100, default);
        Assert.True(all.Recovered);
        Assert.Equal(17, all.Publications.Count);
    }
}

public sealed class SqliteChannelLogContractTests : ChannelLogContract, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-contracts", Guid.NewGuid().ToString("n"));
    private readonly SqliteDatabase _database;
    private readonly List<IDisposable> _logs = [];

    public SqliteChannelLogContractTests()
    {
        Directory.CreateDirectory(_directory);
        _database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "cx.db") }));
    }

    protected override IChannelLog CreateLog()
    {
        var log = new SqliteChannelLog(_database);
        _logs.Add(log);
        return log;
    }

    public void Dispose()
    {
        foreach (var log in _logs)
        {
            log.Dispose();
        }
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow shutdown; the OS temp folder is cleaned eventually.
        }
    }
}
