using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Blobs;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// A fixed data set, ingested over HTTP in several requests (with a duplicate and a late
/// event), then roll-ups and aggregates compared with values computed by hand.
/// D is UTC midnight ten days ago, so every bucket below is known in advance:
/// <code>
/// alice  purchase p1 100.00 shoes  D+10:00:00.000 page /checkout?step=3
///        purchase p2  50.25 hats   D+10:30
///        purchase p3  20.00 shoes  D+1d+09:15
///        purchase p4   7.00 hats   D+10:45   (late: sent after the rest was processed)
///        purchase p1 again          (duplicate: ignored)
///        page_view /home D+10:05, /products/1 D+10:06, /home D+11:00
/// bob    purchase b1  10.00 shoes  D+10:59:59.999
///        purchase b2   5.50 bags   D+11:00:00.000
/// </code>
/// </summary>
public sealed class EventDataSetFixture : EventsHostFactory, IAsyncLifetime
{
    public static readonly DateTimeOffset D = EventApi.Today().AddDays(-10);

    public HttpClient Client { get; private set; } = null!;

    public JsonObject DuplicateResponse { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        static JsonObject Purchase(decimal amount, string category) => new() { ["amount"] = amount, ["category"] = category };
        await Client.PostEventsAsync(
            Batch(
                Event("purchase", "alice", null, D.AddHours(10), "p1", Purchase(100.00m, "shoes"), "/checkout?step=3"),
                Event("purchase", "alice", null, D.AddHours(10).AddMinutes(30), "p2", Purchase(50.25m, "hats")),
                Event(
                    "page_view",
                    "alice",
                    null,
                    D.AddHours(10).AddMinutes(5),
                    null,
                    new JsonObject { ["page"] = "/home", ["category"] = "home" }
                ),
                Event("page_view", "alice", null, D.AddHours(10).AddMinutes(6), null, new JsonObject { ["page"] = "/products/1" }),
                Event("purchase", "bob", null, D.AddHours(11).AddMilliseconds(-1), "b1", Purchase(10.00m, "shoes"))
            )
        );
        await Client.PostEventsAsync(Event("purchase", "bob", null, D.AddHours(11), "b2", Purchase(5.50m, "bags")));
        await Client.PostEventsAsync(
            Batch(
                Event("purchase", "alice", null, D.AddDays(1).AddHours(9).AddMinutes(15), "p3", Purchase(20.00m, "shoes")),
                Event("page_view", "alice", null, D.AddHours(11), null, new JsonObject { ["page"] = "/home" })
            )
        );
        await Client.WaitForProcessingAsync();
        DuplicateResponse = await Client.PostEventsAsync(
            Batch(Event("purchase", "alice", null, D.AddHours(10), "p1", Purchase(100.00m, "shoes")))
        );
        await Client.PostEventsAsync(Event("purchase", "alice", null, D.AddHours(10).AddMinutes(45), "p4", Purchase(7.00m, "hats")));
        await Client.WaitForProcessingAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class EventDataSetTests(EventDataSetFixture host) : IClassFixture<EventDataSetFixture>
{
    private static readonly DateTimeOffset D = EventDataSetFixture.D;
    private readonly HttpClient _client = host.Client;

    private Task<IReadOnlyList<RollupPoint>> RollupsAsync(
        string type,
        Granularity granularity,
        RollupBreakdown breakdown = RollupBreakdown.Total,
        string? name = null
    ) =>
        host
            .Services.GetRequiredService<IRollupReader>()
            .ReadRollupsAsync(new RollupQuery(type, granularity, D, D.AddDays(3), breakdown, name), CancellationToken.None)
            .AsTask();

    [Fact]
    public async Task Should_roll_up_purchases_per_hour_with_the_late_event_in_its_own_bucket_and_the_duplicate_ignored()
    {
        var hours = (await RollupsAsync("purchase", Granularity.Hour)).Select(p => (p.BucketStart, p.Count, p.Sum)).ToList();
        Assert.Equal([(D.AddHours(10), 4L, 167.25m), (D.AddHours(11), 1L, 5.50m), (D.AddDays(1).AddHours(9), 1L, 20.00m)], hours);
    }

    [Fact]
    public async Task Should_roll_up_purchases_per_day_and_minute()
    {
        Assert.Equal(
            [(D, 5L, 172.75m), (D.AddDays(1), 1L, 20.00m)],
            (await RollupsAsync("purchase", Granularity.Day)).Select(p => (p.BucketStart, p.Count, p.Sum))
        );
        var minutes = await RollupsAsync("purchase", Granularity.Minute);
        Assert.Equal(6, minutes.Count);
        Assert.Contains(minutes, p => p.BucketStart == D.AddHours(10).AddMinutes(59) && p.Count == 1 && p.Sum == 10.00m);
        Assert.Contains(minutes, p => p.BucketStart == D.AddHours(10) && p.Count == 1 && p.Sum == 100.00m);
    }

    [Fact]
    public async Task Should_roll_up_by_configured_dimension_and_by_page()
    {
        var categories = (await RollupsAsync("purchase", Granularity.Day, RollupBreakdown.Dimension, "category"))
            .Where(p => p.BucketStart == D)
            .Select(p => (p.Value, p.Count, p.Sum));
        Assert.Equal([("bags", 1L, 5.50m), ("hats", 2L, 57.25m), ("shoes", 2L, 110.00m)], categories);
        var purchasePages = await RollupsAsync("purchase", Granularity.Day, RollupBreakdown.Page);
        Assert.Equal([(D, "/checkout", 1L)], purchasePages.Select(p => (p.BucketStart, p.Value, p.Count)));
        var viewPages = (await RollupsAsync("page_view", Granularity.Day, RollupBreakdown.Page)).Select(p => (p.Value, p.Count));
        Assert.Equal([("/home", 2L), ("/products/1", 1L)], viewPages);
        Assert.Equal([(D, 3L)], (await RollupsAsync("page_view", Granularity.Day)).Select(p => (p.BucketStart, p.Count)));
    }

    [Fact]
    public void Should_acknowledge_the_duplicate_at_ingestion_and_ignore_it_at_processing()
    {
        Assert.Equal(1, host.DuplicateResponse["accepted"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_aggregate_a_customers_purchases_over_a_rolling_window()
    {
        var asOf = Instant(D.AddDays(2));
        var sum = await _client.BehaviorAsync("alice", $"event=purchase&aggregate=sum&property=amount&window=P90D&asOf={asOf}");
        Assert.Equal((177.25m, 4L), (sum["value"]!.GetValue<decimal>(), sum["count"]!.GetValue<long>()));
        Assert.Equal(
            100.00m,
            (await _client.BehaviorAsync("alice", $"event=purchase&aggregate=max&property=amount&window=P90D&asOf={asOf}"))[
                "value"
            ]!.GetValue<decimal>()
        );
        Assert.Equal(
            7.00m,
            (await _client.BehaviorAsync("alice", $"event=purchase&aggregate=min&property=amount&window=P90D&asOf={asOf}"))[
                "value"
            ]!.GetValue<decimal>()
        );
        Assert.Equal(
            44.3125m,
            (await _client.BehaviorAsync("alice", $"event=purchase&aggregate=avg&property=amount&window=P90D&asOf={asOf}"))[
                "value"
            ]!.GetValue<decimal>()
        );
        var distinct = await _client.BehaviorAsync("alice", $"event=purchase&aggregate=distinct&property=category&window=P7D&asOf={asOf}");
        Assert.Equal(["hats", "shoes"], distinct["values"]!.AsArray().Select(v => v!.GetValue<string>()));
        var first = await _client.BehaviorAsync("alice", $"event=purchase&aggregate=first&window=P90D&asOf={asOf}");
        Assert.Equal(Instant(D.AddHours(10)), first["value"]!.GetValue<string>());
        var last = await _client.BehaviorAsync("alice", $"event=page_view&aggregate=last&window=P90D&asOf={asOf}");
        Assert.Equal(Instant(D.AddHours(11)), last["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_first_seen_last_seen_and_activity_over_every_event_type()
    {
        var asOf = Instant(D.AddDays(2));
        var first = await _client.BehaviorAsync("alice", $"event=*&aggregate=first&window=P90D&asOf={asOf}");
        var last = await _client.BehaviorAsync("alice", $"event=*&aggregate=last&window=P90D&asOf={asOf}");
        var count = await _client.BehaviorAsync("alice", $"event=*&aggregate=count&window=P90D&asOf={asOf}");
        Assert.Equal(Instant(D.AddHours(10)), first["value"]!.GetValue<string>());
        Assert.Equal(Instant(D.AddDays(1).AddHours(9).AddMinutes(15)), last["value"]!.GetValue<string>());
        Assert.Equal(7, count["count"]!.GetValue<long>());
        var bulk = await host
            .Services.GetRequiredService<IBehaviorStore>()
            .AggregateManyAsync(
                ["alice", "bob"],
                new BehaviorQuery(BehaviorQuery.AnyEventType, BehaviorAggregate.Count),
                D.AddDays(2),
                CancellationToken.None
            );
        Assert.Equal((7L, 2L), (bulk["alice"].Count, bulk["bob"].Count));
    }

    [Fact]
    public async Task Should_exclude_an_event_exactly_at_the_window_start()
    {
        // p1 is at D+10:00; a 24-hour window ending at D+1d+10:00 starts exactly at p1: p1 is out.
        var result = await _client.BehaviorAsync(
            "alice",
            $"event=purchase&aggregate=sum&property=amount&window=PT24H&asOf={Instant(D.AddDays(1).AddHours(10))}"
        );
        Assert.Equal((77.25m, 3L), (result["value"]!.GetValue<decimal>(), result["count"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Should_include_an_event_one_millisecond_inside_the_window_start()
    {
        var result = await _client.BehaviorAsync(
            "alice",
            $"event=purchase&aggregate=sum&property=amount&window=PT24H&asOf={Instant(D.AddDays(1).AddHours(10).AddMilliseconds(-1))}"
        );
        Assert.Equal((177.25m, 4L), (result["value"]!.GetValue<decimal>(), result["count"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Should_include_an_event_exactly_at_as_of_and_exclude_it_just_before()
    {
        var p3 = D.AddDays(1).AddHours(9).AddMinutes(15);
        Assert.Equal(
            4,
            (await _client.BehaviorAsync("alice", $"event=purchase&aggregate=count&window=P7D&asOf={Instant(p3)}"))[
                "count"
            ]!.GetValue<long>()
        );
        Assert.Equal(
            3,
            (await _client.BehaviorAsync("alice", $"event=purchase&aggregate=count&window=P7D&asOf={Instant(p3.AddMilliseconds(-1))}"))[
                "count"
            ]!.GetValue<long>()
        );
    }

    [Fact]
    public async Task Should_answer_the_same_values_in_bulk_for_many_customers()
    {
        var store = host.Services.GetRequiredService<IBehaviorStore>();
        var results = await store.AggregateManyAsync(
            ["alice", "bob", "nobody"],
            new BehaviorQuery("purchase", BehaviorAggregate.Sum, "amount", TimeSpan.FromDays(90)),
            D.AddDays(2),
            CancellationToken.None
        );
        Assert.Equal(177.25m, results["alice"].Number);
        Assert.Equal(15.50m, results["bob"].Number);
        Assert.Equal((0L, 0m), (results["nobody"].Count, results["nobody"].Number!.Value));
    }

    [Fact]
    public async Task Should_list_the_timeline_newest_first_across_pages()
    {
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (
                await _client
                    .GetAsync($"customers/alice/timeline?limit=3{(cursor is null ? "" : "&cursor=" + cursor)}")
                    .ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync();
            seen.AddRange(page["items"]!.AsArray().Select(i => i!["timestamp"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal(7, seen.Count);
        Assert.Equal(seen.OrderByDescending(s => s, StringComparer.Ordinal), seen);
        Assert.Equal(Instant(D.AddDays(1).AddHours(9).AddMinutes(15)), seen[0]);
    }

    [Fact]
    public async Task Should_archive_raw_events_as_gzip_ndjson()
    {
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int lines;
        do
        {
            lines = 0;
            await foreach (var blob in blobs.ListAsync("events-archive", "0/", timeout.Token))
            {
                var content = EventArchive.Decompress((await blobs.GetAsync("events-archive", blob.Name, timeout.Token))!);
                lines += content.Count(b => b == (byte)'\n');
                Assert.EndsWith(".ndjson.gz", blob.Name, StringComparison.Ordinal);
            }
            if (lines < 10)
            {
                await Task.Delay(50, timeout.Token);
            }
        } while (lines < 10);
        Assert.Equal(10, lines); // every accepted event, the duplicate included: the archive is the raw stream
    }
}
