using System.Text;
using Cx.Core.Realtime;
using Cx.Embedded.Realtime;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Realtime;

/// <summary>
/// The embedded channel log on a real SQLite file: gap-free offsets per channel under one epoch,
/// idempotent appends, and resumes that return everything after a position or nothing at all
/// (another epoch, a position past the head, too far behind, older than the retention window).
/// </summary>
public sealed class SqliteChannelLogTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-channel-log-tests", Guid.NewGuid().ToString("n"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _open = [];

    private SqliteChannelLog CreateSut()
    {
        var database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "cx.db") }));
        var log = new SqliteChannelLog(database);
        _open.Add(log);
        _open.Add(database);
        return log;
    }

    public void Dispose()
    {
        foreach (var item in _open)
        {
            item.Dispose();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }

    private ChannelAppend Item(string channel, string key) =>
        new(channel, key, _time.GetUtcNow(), Encoding.UTF8.GetBytes($$"""{"kind":"upsert","id":"{{key}}","data":null}"""));

    private DateTimeOffset Retained => _time.GetUtcNow() - TimeSpan.FromHours(24);

    [Fact]
    public async Task Should_number_each_channel_from_one_without_gaps_under_one_epoch()
    {
        var log = CreateSut();
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
        var log = CreateSut();
        var once = await log.AppendAsync([Item("ticket:t", "k1"), Item("ticket:t", "k2")], default);
        var again = await log.AppendAsync([Item("ticket:t", "k2"), Item("ticket:t", "k3")], default);
        Assert.Equal(2, again[0].Offset);
        Assert.Equal(once[1].Body.ToArray(), again[0].Body.ToArray());
        Assert.Equal(3, again[1].Offset);
        var head = await log.ReadSinceAsync("ticket:t", null, Retained, 100, default);
        Assert.Equal(3, head.Head.Offset);
    }

    [Fact]
    public async Task Should_resume_with_everything_after_the_position_in_order()
    {
        var log = CreateSut();
        var published = await log.AppendAsync([.. Enumerable.Range(1, 60).Select(i => Item("entry:a:1", "k" + i))], default);
        var replay = await log.ReadSinceAsync("entry:a:1", new ChannelPosition(published[0].Epoch, 10), Retained, 100, default);
        Assert.True(replay.Recovered);
        Assert.Equal(Enumerable.Range(11, 50).Select(i => (long)i), replay.Publications.Select(p => p.Offset));
        Assert.Equal("k11", System.Text.Json.JsonDocument.Parse(replay.Publications[0].ToJson()).RootElement.GetProperty("id").GetString());
        var atHead = await log.ReadSinceAsync("entry:a:1", new ChannelPosition(published[0].Epoch, 60), Retained, 100, default);
        Assert.True(atHead.Recovered);
        Assert.Empty(atHead.Publications);
    }

    [Fact]
    public async Task Should_not_recover_from_another_epoch_a_position_past_the_head_or_too_far_behind()
    {
        var log = CreateSut();
        var published = await log.AppendAsync([.. Enumerable.Range(1, 20).Select(i => Item("segment:s", "k" + i))], default);
        var epoch = published[0].Epoch;
        foreach (
            var (position, max) in new[]
            {
                (new ChannelPosition("other", 5), 100),
                (new ChannelPosition(epoch, 21), 100),
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
    public async Task Should_not_recover_a_position_older_than_the_retention_window_even_before_pruning()
    {
        var log = CreateSut();
        var old = await log.AppendAsync([Item("customer:r", "k1"), Item("customer:r", "k2")], default);
        _time.Advance(TimeSpan.FromHours(25));
        await log.AppendAsync([Item("customer:r", "k3")], default);
        var position = new ChannelPosition(old[0].Epoch, 1);
        var expired = await log.ReadSinceAsync("customer:r", position, Retained, 100, default);
        Assert.False(expired.Recovered);
        Assert.Empty(expired.Publications);
        // A client that already had the last old publication misses nothing still retained.
        var current = await log.ReadSinceAsync("customer:r", new ChannelPosition(old[0].Epoch, 2), Retained, 100, default);
        Assert.True(current.Recovered);
        Assert.Equal([3L], current.Publications.Select(p => p.Offset));

        Assert.Equal(2, await log.PruneAsync(Retained, default));
        Assert.False((await log.ReadSinceAsync("customer:r", position, Retained, 100, default)).Recovered);
    }

    [Fact]
    public async Task Should_give_a_new_channel_its_epoch_at_the_first_read_and_keep_it_for_appends()
    {
        var log = CreateSut();
        var empty = await log.ReadSinceAsync("ticket:new", null, Retained, 100, default);
        Assert.False(empty.Recovered);
        Assert.Equal(0, empty.Head.Offset);
        var published = await log.AppendAsync([Item("ticket:new", "k1")], default);
        Assert.Equal(empty.Head.Epoch, published[0].Epoch);
        var resumed = await log.ReadSinceAsync("ticket:new", empty.Head, Retained, 100, default);
        Assert.True(resumed.Recovered);
        Assert.Equal([1L], resumed.Publications.Select(p => p.Offset));
    }
}
