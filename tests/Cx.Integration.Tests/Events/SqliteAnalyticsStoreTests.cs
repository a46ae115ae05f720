using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Analytics;

namespace Cx.Integration.Tests.Events;

/// <summary>The embedded analytics store on a real SQLite file: checkpoints, partitions, occurrence blocks.</summary>
public sealed class SqliteAnalyticsStoreTests : IDisposable
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private readonly EmbeddedAnalyticsFiles _files = new();

    private SqliteAnalyticsStore Store => _files.Store;

    private static EventFact Fact(string id, string? customer, string? anonymous, DateTimeOffset at, string type = "page_view") =>
        EmbeddedAnalyticsFiles.Fact(id, customer, anonymous, type, at);

    private async Task<List<SubjectOccurrence>> ScanAsync(string type, DateTimeOffset from, DateTimeOffset to)
    {
        var all = new List<SubjectOccurrence>();
        await _files.Occurrences.ScanAsync(type, from, to, block => all.AddRange(block.ToArray()), CancellationToken.None);
        return all;
    }

    [Fact]
    public async Task Should_keep_the_blocks_of_two_partitions_at_the_same_position()
    {
        await Store.ApplyAsync(
            new AnalyticsBatch([Fact("a", "c1", null, Hour.AddMinutes(1))], new StreamCheckpoint("0", 7)),
            CancellationToken.None
        );
        await Store.ApplyAsync(
            new AnalyticsBatch([Fact("b", "c2", null, Hour.AddMinutes(2))], new StreamCheckpoint("1", 7)),
            CancellationToken.None
        );

        Assert.Equal(2, (await ScanAsync("page_view", Hour, Hour.AddHours(1))).Count);
        Assert.Equal(
            (7L, 7L),
            (
                (await Store.GetCheckpointAsync("0", CancellationToken.None))!.Value,
                (await Store.GetCheckpointAsync("1", CancellationToken.None))!.Value
            )
        );
    }

    [Fact]
    public async Task Should_skip_a_batch_at_or_behind_the_checkpoint_and_ignore_duplicates_from_a_replay()
    {
        var first = await Store.ApplyAsync(
            new AnalyticsBatch([Fact("a", "c1", null, Hour), Fact("b", "c1", null, Hour)], new StreamCheckpoint("0", 10)),
            CancellationToken.None
        );
        var behind = await Store.ApplyAsync(
            new AnalyticsBatch([Fact("c", "c1", null, Hour)], new StreamCheckpoint("0", 10)),
            CancellationToken.None
        );
        var replay = await Store.ApplyAsync(
            new AnalyticsBatch([Fact("b", "c1", null, Hour), Fact("d", "c1", null, Hour)], new StreamCheckpoint("0", 12)),
            CancellationToken.None
        );

        Assert.Equal((2, 0), (first.Applied, first.Duplicates));
        Assert.Equal(0, behind.Applied);
        Assert.Equal((1, 1), (replay.Applied, replay.Duplicates));
        var count = await _files.Behaviors.AggregateAsync(
            "c1",
            new BehaviorQuery("page_view", BehaviorAggregate.Count),
            Hour.AddDays(1),
            CancellationToken.None
        );
        Assert.Equal(3, count.Count);
        var rollup = await _files.Rollups.ReadRollupsAsync(
            new RollupQuery("page_view", Granularity.Day, Hour.AddDays(-1), Hour.AddDays(1)),
            CancellationToken.None
        );
        Assert.Equal(3, Assert.Single(rollup).Count);
    }

    [Fact]
    public async Task Should_count_and_sum_only_the_new_events_when_a_batch_mixes_them_with_duplicates()
    {
        var purchase = new EventTypeDefinition
        {
            Key = "purchase",
            DisplayName = "Purchase",
            ValueProperty = "amount",
        };
        EventFact Purchase(string id, string page, string amount) =>
            EventBatchProcessor.ToFact(
                new TrackedEvent
                {
                    Id = id,
                    Type = "purchase",
                    CustomerId = "c1",
                    Timestamp = Hour,
                    ReceivedAt = Hour,
                    Page = page,
                    Properties = System.Text.Encoding.UTF8.GetBytes($$"""{"amount":{{amount}}}"""),
                },
                purchase
            );
        await Store.ApplyAsync(new AnalyticsBatch([Purchase("a", "/x", "10")], new StreamCheckpoint("0", 1)), CancellationToken.None);

        // "a" again (its page /x gets nothing from this batch), then "b" twice in the same batch.
        var mixed = await Store.ApplyAsync(
            new AnalyticsBatch(
                [Purchase("a", "/x", "10"), Purchase("b", "/y", "2.5"), Purchase("b", "/y", "2.5")],
                new StreamCheckpoint("0", 2)
            ),
            CancellationToken.None
        );

        Assert.Equal((1, 2), (mixed.Applied, mixed.Duplicates));
        var total = Assert.Single(
            await _files.Rollups.ReadRollupsAsync(
                new RollupQuery("purchase", Granularity.Day, Hour.AddDays(-1), Hour.AddDays(1)),
                CancellationToken.None
            )
        );
        Assert.Equal((2L, 12.5m), (total.Count, total.Sum));
        var pages = await _files.Rollups.ReadRollupsAsync(
            new RollupQuery("purchase", Granularity.Hour, Hour, Hour.AddHours(1), RollupBreakdown.Page, "page"),
            CancellationToken.None
        );
        Assert.Equal(
            [("/x", 1L, 10m), ("/y", 1L, 2.5m)],
            pages.Select(p => (p.Value, p.Count, p.Sum)).OrderBy(p => p.Value, StringComparer.Ordinal)
        );
    }

    [Fact]
    public async Task Should_scan_occurrences_inside_the_range_and_map_merged_subjects_to_their_customer()
    {
        await Store.ApplyAsync(
            new AnalyticsBatch(
                [
                    Fact("a", null, "anon-1", Hour.AddMinutes(5)),
                    Fact("b", "c1", null, Hour.AddMinutes(50)),
                    Fact("c", "c1", null, Hour.AddHours(2)),
                ],
                new StreamCheckpoint("0", 1)
            ),
            CancellationToken.None
        );
        Assert.Equal(LinkOutcome.Linked, await _files.Links.LinkAsync("anon-1", "c1", 10, Hour, CancellationToken.None));
        await Store.CompactBlocksAsync(Hour.AddDays(1), CancellationToken.None);

        var inside = await ScanAsync("page_view", Hour.AddMinutes(5), Hour.AddMinutes(50));
        var merges = await _files.Occurrences.ReadSubjectMergesAsync(CancellationToken.None);
        var subjects = await _files.Occurrences.ReadSubjectsAsync([.. inside.Select(o => o.SubjectId)], CancellationToken.None);

        var only = Assert.Single(inside); // [from, to): the event at +50 min is out
        Assert.Equal(Hour.AddMinutes(5).ToUnixTimeMilliseconds(), only.TimestampMs);
        Assert.Equal("a:anon-1", subjects[only.SubjectId]);
        var customer = merges[only.SubjectId];
        Assert.Equal("c:c1", (await _files.Occurrences.ReadSubjectsAsync([customer], CancellationToken.None))[customer]);
        Assert.Equal(3, (await ScanAsync("page_view", Hour, Hour.AddHours(3))).Count);
    }

    public void Dispose() => _files.Dispose();
}
