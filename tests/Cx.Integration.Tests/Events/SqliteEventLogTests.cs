using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Analytics;
using Cx.Embedded.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Integration.Tests.Events;

/// <summary>The embedded append log on a real SQLite file: group commit, positions, pruning.</summary>
public sealed class SqliteEventLogTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-log-tests", Guid.NewGuid().ToString("n"));
    private SqliteEventLog _log = null!;
    private AnalyticsDatabase _analytics = null!;

    public Task InitializeAsync()
    {
        _log = Create(LogDurability.Full);
        return Task.CompletedTask;
    }

    private SqliteEventLog Create(LogDurability durability)
    {
        var sqlite = Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "cx.db") });
        var options = Options.Create(new EmbeddedEventsOptions { Durability = durability, MaxAppendsPerCommit = 16 });
        var paths = new EmbeddedEventsPaths(options, sqlite);
        _analytics = new AnalyticsDatabase(paths, sqlite);
        return new SqliteEventLog(
            paths,
            options,
            sqlite,
            TimeProvider.System,
            NullLogger<SqliteEventLog>.Instance,
            new SqliteAnalyticsStore(_analytics)
        );
    }

    private static TrackedEvent Event(int n) =>
        new()
        {
            Id = "e" + n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Type = "search",
            AnonymousId = "visitor",
            Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(n),
            ReceivedAt = DateTimeOffset.UnixEpoch.AddSeconds(n),
        };

    [Fact]
    public async Task Should_commit_concurrent_appends_in_groups_and_read_every_event_back_in_order()
    {
        await Task.WhenAll(
            Enumerable.Range(0, 200).Select(i => _log.AppendAsync([Event(2 * i), Event((2 * i) + 1)], CancellationToken.None).AsTask())
        );

        var rows = _log.Read(0, 10_000);
        Assert.Equal(200, rows.Count);
        Assert.Equal(rows.Select(r => r.Seq).Order(), rows.Select(r => r.Seq));
        var events = new List<TrackedEvent>();
        var read = new List<LogRow>();
        _log.ReadData(
            0,
            rows[^1].Seq,
            (row, data) =>
            {
                read.Add(row);
                EventCodec.DecodeLines(data, events);
            }
        );
        Assert.Equal(rows, read);
        Assert.Equal(rows.Select(r => r.Seq).Where(seq => seq > rows[9].Seq), ReadSeqs(rows[9].Seq, rows[^1].Seq));
        Assert.Equal([rows[0].Seq], ReadSeqs(0, rows[0].Seq));
        Assert.Equal(
            Enumerable.Range(0, 400),
            events.Select(e => int.Parse(e.Id[1..], System.Globalization.CultureInfo.InvariantCulture)).Order()
        );
        var status = await _log.GetStatusAsync(CancellationToken.None);
        Assert.Equal((200L, 0L, 400L), (status.Appended, status.Processed, status.Lag));
    }

    [Fact]
    public async Task Should_never_reuse_a_position_after_the_log_is_pruned_empty()
    {
        await _log.AppendAsync([Event(1)], CancellationToken.None);
        var first = _log.Read(0, 10).Single().Seq;
        Assert.Equal(1, await _log.PruneAsync(first, long.MaxValue, CancellationToken.None));
        await _log.AppendAsync([Event(2)], CancellationToken.None);
        Assert.True(_log.Read(0, 10).Single().Seq > first);
    }

    [Fact]
    public async Task Should_count_the_lag_after_the_checkpoint_the_processor_stored()
    {
        var sqlite = Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "lag", "cx.db") });
        var options = Options.Create(new EmbeddedEventsOptions());
        var checkpoints = new Mock<IStreamCheckpointReader>(MockBehavior.Strict);
        await using var log = new SqliteEventLog(
            new EmbeddedEventsPaths(options, sqlite),
            options,
            sqlite,
            TimeProvider.System,
            NullLogger<SqliteEventLog>.Instance,
            checkpoints.Object
        );
        for (var i = 0; i < 3; i++)
        {
            await log.AppendAsync([Event(2 * i), Event((2 * i) + 1)], CancellationToken.None);
        }
        var first = log.Read(0, 10)[0].Seq;
        checkpoints.Setup(c => c.GetCheckpointAsync(SqliteEventLog.Partition, It.IsAny<CancellationToken>())).ReturnsAsync(first);

        var status = await log.GetStatusAsync(CancellationToken.None);

        Assert.Equal((first + 2, first, 4L), (status.Appended, status.Processed, status.Lag));
    }

    private List<long> ReadSeqs(long after, long through)
    {
        var seqs = new List<long>();
        _log.ReadData(after, through, (row, _) => seqs.Add(row.Seq));
        return seqs;
    }

    public async Task DisposeAsync()
    {
        await _log.DisposeAsync();
        _analytics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }
}
