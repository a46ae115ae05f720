using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Cosmos;

/// <summary>
/// CosmosChangeFeed over a simulated latest-version change feed: what the Cosmos DB protocol
/// server cannot show (it never continues from a continuation token), namely resuming after a
/// commit, paging, fairness across feed ranges and never rewinding. The same behaviours run
/// for SQLite in Cx.Integration.Tests' ChangeFeedResumeContract.
/// </summary>
public sealed class CosmosChangeFeedTests
{
    private readonly FakeFeed _feed = new();
    private readonly InMemoryLeases _leases = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Should_start_a_new_consumer_at_the_beginning_of_every_range_of_every_container()
    {
        _feed.Write(Containers.Content, "r0", "a");
        _feed.Write(Containers.Content, "r1", "b");
        _feed.Write(Containers.Customers, "r0", "c");
        _feed.Write(Containers.Definitions, "r0", "d");

        var batch = await CreateSut().ReadAsync("hooks", 100, default);

        Assert.Equal(["a", "b", "c", "d"], batch.Changes.Select(ch => ch.Id).Order(StringComparer.Ordinal));
        var firstReads = _feed.Reads.GroupBy(r => (r.Container, r.Range)).Select(g => g.First()).ToList();
        Assert.Equal(Containers.All.Count * 2, firstReads.Count);
        Assert.All(firstReads, r => Assert.Null(r.Token));
    }

    [Fact]
    public async Task Should_deliver_only_changes_after_the_committed_checkpoint()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        var first = await sut.ReadAsync("hooks", 100, default);
        await sut.CommitAsync("hooks", first.Checkpoint, default);

        _feed.Write(Containers.Content, "r0", "b");
        _feed.Write(Containers.Content, "r1", "c");
        var second = await sut.ReadAsync("hooks", 100, default);

        Assert.Equal(["a"], first.Changes.Select(ch => ch.Id));
        Assert.Equal(["b", "c"], second.Changes.Select(ch => ch.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_resume_each_range_from_the_continuation_token_it_stored()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        await sut.CommitAsync("hooks", (await sut.ReadAsync("hooks", 100, default)).Checkpoint, default);
        var issued = _feed.Issued.ToDictionary(i => (i.Container, i.Range), i => i.Token);
        _feed.Reads.Clear();

        await sut.ReadAsync("hooks", 100, default);

        Assert.NotEmpty(_feed.Reads);
        Assert.All(_feed.Reads, r => Assert.Equal(issued[(r.Container, r.Range)], r.Token));
    }

    [Fact]
    public async Task Should_redeliver_a_batch_that_was_not_committed()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        _feed.Write(Containers.Content, "r0", "b");

        var first = await sut.ReadAsync("hooks", 100, default);
        var again = await sut.ReadAsync("hooks", 100, default);

        Assert.Equal(["a", "b"], first.Changes.Select(ch => ch.Id));
        Assert.Equal(first.Changes, again.Changes, ChangeComparer.Instance);
    }

    [Fact]
    public async Task Should_never_rewind_when_an_older_checkpoint_is_committed_late()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        var first = await sut.ReadAsync("hooks", 100, default);
        await sut.CommitAsync("hooks", first.Checkpoint, default);
        _feed.Write(Containers.Content, "r0", "b");
        var second = await sut.ReadAsync("hooks", 100, default);
        await sut.CommitAsync("hooks", second.Checkpoint, default);

        await sut.CommitAsync("hooks", first.Checkpoint, default);
        _feed.Write(Containers.Content, "r0", "c");
        var third = await sut.ReadAsync("hooks", 100, default);

        Assert.Equal(["c"], third.Changes.Select(ch => ch.Id));
    }

    [Fact]
    public async Task Should_ignore_the_second_of_two_batches_read_from_the_same_checkpoint()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        var small = await sut.ReadAsync("hooks", 1, default);
        _feed.Write(Containers.Content, "r0", "b");
        var large = await sut.ReadAsync("hooks", 100, default);

        await sut.CommitAsync("hooks", large.Checkpoint, default);
        await sut.CommitAsync("hooks", small.Checkpoint, default);

        Assert.Empty((await sut.ReadAsync("hooks", 100, default)).Changes);
    }

    [Fact]
    public async Task Should_keep_a_checkpoint_per_consumer()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        await sut.CommitAsync("hooks", (await sut.ReadAsync("hooks", 100, default)).Checkpoint, default);
        _feed.Write(Containers.Content, "r0", "b");

        var hooks = await sut.ReadAsync("hooks", 100, default);
        var export = await sut.ReadAsync("export", 100, default);

        Assert.Equal(["b"], hooks.Changes.Select(ch => ch.Id));
        Assert.Equal(["a", "b"], export.Changes.Select(ch => ch.Id));
    }

    [Fact]
    public async Task Should_page_through_every_change_once_with_small_batches()
    {
        var sut = CreateSut();
        string[] ids = ["a", "b", "c", "d", "e", "f", "g"];
        for (var i = 0; i < ids.Length; i++)
        {
            _feed.Write(i % 3 == 0 ? Containers.Customers : Containers.Content, i % 2 == 0 ? "r0" : "r1", ids[i]);
        }

        var delivered = new List<string>();
        for (var reads = 0; reads < 20; reads++)
        {
            var batch = await sut.ReadAsync("hooks", 2, default);
            if (batch.Changes.Count == 0)
            {
                break;
            }
            Assert.InRange(batch.Changes.Count, 1, 2);
            delivered.AddRange(batch.Changes.Select(ch => ch.Id));
            await sut.CommitAsync("hooks", batch.Checkpoint, default);
        }

        Assert.Equal(ids, delivered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_deliver_the_changes_of_a_document_in_order()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a", """{"v":1}""");
        _feed.Write(Containers.Content, "r0", "b");
        var first = await sut.ReadAsync("hooks", 100, default);
        await sut.CommitAsync("hooks", first.Checkpoint, default);
        _feed.Write(Containers.Content, "r0", "a", """{"v":2}""");

        var second = await sut.ReadAsync("hooks", 100, default);

        var versions = first
            .Changes.Concat(second.Changes)
            .Where(ch => ch.Id == "a")
            .Select(ch => JsonNode.Parse(ch.After!.Value.Span)!["v"]!.GetValue<int>());
        Assert.Equal([1, 2], versions);
    }

    [Fact]
    public async Task Should_leave_a_page_for_the_next_batch_rather_than_split_it()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        _feed.WriteBatch(Containers.Content, "r1", "b1", "b2", "b3");

        var first = await sut.ReadAsync("hooks", 2, default);
        await sut.CommitAsync("hooks", first.Checkpoint, default);
        var second = await sut.ReadAsync("hooks", 2, default);

        Assert.Equal(["a"], first.Changes.Select(ch => ch.Id));
        Assert.Equal(["b1", "b2", "b3"], second.Changes.Select(ch => ch.Id));
    }

    [Fact]
    public async Task Should_start_the_next_batch_at_the_range_after_a_full_one()
    {
        var sut = CreateSut();
        for (var i = 0; i < 5; i++)
        {
            _feed.Write(Containers.Content, "r0", $"busy{i}");
        }
        _feed.Write(Containers.Content, "r1", "quiet");

        var first = await sut.ReadAsync("hooks", 2, default);
        await sut.CommitAsync("hooks", first.Checkpoint, default);
        var second = await sut.ReadAsync("hooks", 2, default);

        Assert.Equal(["busy0", "busy1"], first.Changes.Select(ch => ch.Id));
        Assert.Equal("quiet", second.Changes[0].Id);
    }

    [Fact]
    public async Task Should_report_a_tombstone_as_a_delete_without_a_body()
    {
        _feed.Write(Containers.Content, "r0", "gone", tombstone: true);

        var change = Assert.Single((await CreateSut().ReadAsync("hooks", 100, default)).Changes);

        Assert.Equal(
            (ChangeKind.Delete, "gone", "p-gone", "note", Containers.Content),
            (change.Kind, change.Id, change.PartitionKey, change.Type, change.Container)
        );
        Assert.Null(change.After);
        Assert.Null(change.Before);
    }

    [Fact]
    public async Task Should_deliver_the_body_as_written_with_an_unquoted_etag_and_the_commit_time()
    {
        _feed.Write(Containers.Content, "r0", "a", """{"title":"Hello"}""");

        var change = Assert.Single((await CreateSut().ReadAsync("hooks", 100, default)).Changes);

        Assert.Equal(ChangeKind.Upsert, change.Kind);
        Assert.Null(change.Before);
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse("""{"id":"a","type":"note","title":"Hello"}"""), JsonNode.Parse(change.After!.Value.Span))
        );
        Assert.Equal(FakeFeed.ETagOf(1), change.ETag);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(FakeFeed.Epoch + 1), change.CommittedAt);
    }

    [Fact]
    public async Task Should_retry_a_commit_when_the_lease_changed_meanwhile()
    {
        var sut = CreateSut();
        _feed.Write(Containers.Content, "r0", "a");
        var batch = await sut.ReadAsync("hooks", 100, default);
        _leases.FailNextWrites = 1;

        await sut.CommitAsync("hooks", batch.Checkpoint, default);

        Assert.Empty((await sut.ReadAsync("hooks", 100, default)).Changes);
    }

    [Theory]
    [InlineData("not a checkpoint")]
    [InlineData("e30")]
    public async Task Should_reject_a_checkpoint_the_feed_did_not_produce(string checkpoint)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => CreateSut().CommitAsync("hooks", checkpoint, default).AsTask());
    }

    [Fact]
    public async Task Should_reject_the_checkpoint_of_another_consumer()
    {
        var sut = CreateSut();
        var batch = await sut.ReadAsync("hooks", 100, default);

        await Assert.ThrowsAsync<ArgumentException>(() => sut.CommitAsync("export", batch.Checkpoint, default).AsTask());
    }

    [Fact]
    public async Task Should_prune_nothing_because_cosmos_db_keeps_its_own_retention()
    {
        Assert.Equal(0, await CreateSut().PruneAsync(default));
    }

    private CosmosChangeFeed CreateSut() => new(_feed, _leases, _time, NullLogger<CosmosChangeFeed>.Instance);

    /// <summary>
    /// A latest-version change feed: two feed ranges per container, a global LSN, and per range
    /// only the latest version of each item, in LSN order after the token (an LSN as text).
    /// </summary>
    private sealed class FakeFeed : IChangeFeedSource
    {
        public const long Epoch = 1_795_000_000;
        private readonly Dictionary<(string Container, string Range), Dictionary<string, (long Lsn, long Batch, string Json)>> _items = [];
        private long _lsn;
        private long _batch;

        public List<(string Container, string Range, string? Token)> Reads { get; } = [];

        public List<(string Container, string Range, string Token)> Issued { get; } = [];

        /// <summary>The ETag as the port exposes it; the item's <c>_etag</c> is this in quotes, as Cosmos DB writes it.</summary>
        public static string ETagOf(long lsn) => "etag-" + lsn.ToString(CultureInfo.InvariantCulture);

        public void Write(string container, string range, string id, string fields = "{}", bool tombstone = false)
        {
            _batch++;
            Put(container, range, id, fields, tombstone);
        }

        /// <summary>Items written in one transactional batch: the feed never splits them across pages.</summary>
        public void WriteBatch(string container, string range, params string[] ids)
        {
            _batch++;
            foreach (var id in ids)
            {
                Put(container, range, id, "{}", tombstone: false);
            }
        }

        public Task<IReadOnlyList<string>> GetRangesAsync(string container, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(["r0", "r1"]);

        public Task<ChangeFeedPage> ReadAsync(
            string container,
            string range,
            string? token,
            int pageSize,
            CancellationToken cancellationToken
        )
        {
            Reads.Add((container, range, token));
            var after = token is null ? 0 : long.Parse(token, CultureInfo.InvariantCulture);
            var pending = _items.GetValueOrDefault((container, range))?.Values.Where(v => v.Lsn > after).OrderBy(v => v.Lsn).ToList() ?? [];
            var page = pending.Take(pageSize).ToList();
            // A transactional batch comes whole, even past the page size.
            if (page.Count > 0)
            {
                var lastBatch = page[^1].Batch;
                page.AddRange(pending.Skip(page.Count).TakeWhile(v => v.Batch == lastBatch));
            }
            var next = page.Count == 0 ? after : page[^1].Lsn;
            var nextToken = next.ToString(CultureInfo.InvariantCulture);
            Issued.RemoveAll(i => i.Container == container && i.Range == range);
            Issued.Add((container, range, nextToken));
            var items = page.Select(v => JsonDocument.Parse(v.Json).RootElement.Clone()).ToList();
            return Task.FromResult(new ChangeFeedPage(items, nextToken, CaughtUp: items.Count == 0));
        }

        private void Put(string container, string range, string id, string fields, bool tombstone)
        {
            var lsn = ++_lsn;
            var item = tombstone
                ? new JsonObject
                {
                    ["id"] = id,
                    ["type"] = "note",
                    ["pk"] = "p-" + id,
                    ["_deleted"] = true,
                    ["ttl"] = 60,
                }
                : new JsonObject { ["id"] = id, ["type"] = "note" };
            if (!tombstone)
            {
                foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject().ToList())
                {
                    item[name] = value?.DeepClone();
                }
                item["pk"] = "p-" + id;
            }
            item["_rid"] = "rid" + lsn.ToString(CultureInfo.InvariantCulture);
            item["_etag"] = "\"" + ETagOf(lsn) + "\"";
            item["_ts"] = Epoch + lsn;
            item["_lsn"] = lsn;
            var key = (container, range);
            if (!_items.TryGetValue(key, out var items))
            {
                _items[key] = items = [];
            }
            items[id] = (lsn, _batch, item.ToJsonString());
        }
    }

    private sealed class InMemoryLeases : IChangeFeedLeases
    {
        private readonly Dictionary<string, (ConsumerLease Lease, string ETag)> _leases = new(StringComparer.Ordinal);
        private int _version;

        public int FailNextWrites { get; set; }

        public Task<ConsumerLease?> ReadAsync(string consumer, CancellationToken cancellationToken) =>
            Task.FromResult(_leases.TryGetValue(consumer, out var stored) ? stored.Lease with { ETag = stored.ETag } : null);

        public Task<bool> TryWriteAsync(ConsumerLease lease, string? etag, CancellationToken cancellationToken)
        {
            if (FailNextWrites > 0)
            {
                FailNextWrites--;
                return Task.FromResult(false);
            }
            var current = _leases.TryGetValue(lease.Consumer, out var stored) ? stored.ETag : null;
            if (current != etag)
            {
                return Task.FromResult(false);
            }
            _leases[lease.Consumer] = (lease, "lease-" + (++_version).ToString(CultureInfo.InvariantCulture));
            return Task.FromResult(true);
        }
    }

    private sealed class ChangeComparer : IEqualityComparer<ChangeRecord>
    {
        public static readonly ChangeComparer Instance = new();

        public bool Equals(ChangeRecord? x, ChangeRecord? y) =>
            x is not null
            && y is not null
            && (x.Position, x.Container, x.Id, x.PartitionKey, x.Kind, x.ETag)
                == (y.Position, y.Container, y.Id, y.PartitionKey, y.Kind, y.ETag)
            && Text(x.After) == Text(y.After);

        private static string? Text(ReadOnlyMemory<byte>? body) => body is { } b ? Encoding.UTF8.GetString(b.Span) : null;

        public int GetHashCode(ChangeRecord obj) => HashCode.Combine(obj.Position, obj.Id);
    }
}
