using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Functions.Analytics;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// A fixed data set for the analytics API, placed relative to D = UTC midnight three days ago,
/// ingested over HTTP, with an identify and a late event sent after the rest was processed.
/// Every number the tests expect is worked out by hand below.
/// <code>
/// subject   page_view                add_to_cart   purchase (amount, category)        other
/// alice     D+09:00 /home            D+09:10       D+09:20 (30.00 shoes)
/// bob       D+10:00 /home            D+10:05       -
/// v-carol   D+11:00 /products/1      D+11:30       -                                  anonymous, identified as carol
/// carol     -                        -             D+12:00 (20.00 hats)
/// dave      D+13:00 /home?ref=mail   D+13:40       D+13:30 (5.00 shoes): before the cart
/// erin      D+14:00 /products/2      D+14:30       D+1d+14:00:00.000 (12.50): exactly one day after the view
/// frank     D+15:00 /products/1      D+15:10       D+1d+14:59:59.999 (40.00): late, sent last
/// hank      D+16:00 /home            D+16:00       -                                  the same millisecond
/// ivan      -                        D+17:05       -                                  search D+17:00, checkout_complete D+17:10
/// gina      D+1d+01:00 /home         -             -
/// </code>
/// Funnel page_view > add_to_cart > purchase over [D, D+1d), window P1D: 7 > 6 > 3
/// (carol counts once, merged; hank's cart is not after his view; dave bought before his cart;
/// erin's purchase is exactly at the window's end; frank's is one millisecond inside it).
/// Journey "shop" (awareness page_view|search, consideration add_to_cart, action purchase|checkout_complete),
/// window P1D, day D: 8 > 7 > 4; day D+1: 1 > 0 > 0.
/// </summary>
public sealed class AnalyticsDataSetFixture : EventsHostFactory, IAsyncLifetime
{
    public static readonly DateTimeOffset D = EventApi.Today().AddDays(-3);

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["Cx:Analytics:JourneyReportDays"] = "3" };

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        static JsonObject Buy(decimal amount, string? category = null)
        {
            var properties = new JsonObject { ["amount"] = amount };
            if (category is not null)
            {
                properties["category"] = category;
            }
            return properties;
        }
        JsonObject View(string? customer, string? anonymous, DateTimeOffset at, string page) =>
            Event("page_view", customer, anonymous, at, null, page: page);
        JsonObject Cart(string? customer, string? anonymous, DateTimeOffset at) =>
            Event("add_to_cart", customer, anonymous, at, null, new JsonObject { ["productId"] = "p-1" });
        var h = D.AddHours;
        await Client.PostEventsAsync(
            Batch(
                View("alice", null, h(9), "/home"),
                Cart("alice", null, h(9).AddMinutes(10)),
                Event("purchase", "alice", null, h(9).AddMinutes(20), "a1", Buy(30.00m, "shoes")),
                View("bob", null, h(10), "/home"),
                Cart("bob", null, h(10).AddMinutes(5)),
                View(null, "v-carol", h(11), "/products/1"),
                Cart(null, "v-carol", h(11).AddMinutes(30)),
                Event("purchase", "carol", null, h(12), "c1", Buy(20.00m, "hats")),
                View("dave", null, h(13), "/home?ref=mail"),
                Event("purchase", "dave", null, h(13).AddMinutes(30), "d1", Buy(5.00m, "shoes")),
                Cart("dave", null, h(13).AddMinutes(40))
            )
        );
        await Client.PostEventsAsync(
            Batch(
                View("erin", null, h(14), "/products/2"),
                Cart("erin", null, h(14).AddMinutes(30)),
                Event("purchase", "erin", null, D.AddDays(1).AddHours(14), "e1", Buy(12.50m)),
                View("frank", null, h(15), "/products/1"),
                Cart("frank", null, h(15).AddMinutes(10)),
                View("hank", null, h(16), "/home"),
                Cart("hank", null, h(16)),
                Event("search", "ivan", null, h(17), null, new JsonObject { ["query"] = "boots" }),
                Cart("ivan", null, h(17).AddMinutes(5)),
                Event("checkout_complete", "ivan", null, h(17).AddMinutes(10), "i1", new JsonObject { ["amount"] = 9.99m }),
                View("gina", null, D.AddDays(1).AddHours(1), "/home")
            )
        );
        await Client
            .PostAsync("identify", HttpAssertions.Json("""{"anonymousId":"v-carol","customerId":"carol"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        await Client.WaitForProcessingAsync();
        // Late: happened on D+1 just before 15:00, arrives after everything else was processed.
        await Client.PostEventsAsync(
            Event("purchase", "frank", null, D.AddDays(1).AddHours(15).AddMilliseconds(-1), "f1", Buy(40.00m, "shoes"))
        );
        await Client.WaitForProcessingAsync();
        await Client
            .PostAsync(
                "journeys",
                HttpAssertions.Json(
                    """
                    {"key":"shop","displayName":"Shop","conversionWindow":"PT24H",
                     "stages":{"awareness":["page_view","search"],"consideration":["add_to_cart"],"action":["purchase","checkout_complete"]}}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class AnalyticsDataSetTests(AnalyticsDataSetFixture host) : IClassFixture<AnalyticsDataSetFixture>
{
    private static readonly DateTimeOffset D = AnalyticsDataSetFixture.D;
    private readonly HttpClient _client = host.Client;

    private async Task<JsonObject> GetAsync(string path) =>
        await (await _client.GetAsync(path).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();

    private static IEnumerable<(string Start, long Count, decimal Sum)> Buckets(JsonObject series) =>
        series["buckets"]!
            .AsArray()
            .Select(b => (b!["start"]!.GetValue<string>(), b["count"]!.GetValue<long>(), b["sum"]!.GetValue<decimal>()));

    private Task<JsonObject> FunnelAsync(string window, params string[] steps) =>
        PostFunnelAsync(
            new JsonObject
            {
                ["steps"] = new JsonArray([.. steps.Select(s => (JsonNode)new JsonObject { ["event"] = s })]),
                ["window"] = window,
                ["from"] = Instant(D),
                ["to"] = Instant(D.AddDays(1)),
            }
        );

    private async Task<JsonObject> PostFunnelAsync(JsonObject body) =>
        await (await _client.PostAsync("analytics/funnels", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();

    private static IEnumerable<(string Event, long Count, double? First, double? Previous, long DropOff, double? DropOffRate)> Steps(
        JsonObject funnel
    ) =>
        funnel["steps"]!
            .AsArray()
            .Select(s =>
                (
                    s!["event"]!.GetValue<string>(),
                    s["count"]!.GetValue<long>(),
                    s["conversionFromFirst"]?.GetValue<double>(),
                    s["conversionFromPrevious"]?.GetValue<double>(),
                    s["dropOff"]!.GetValue<long>(),
                    s["dropOffRate"]?.GetValue<double>()
                )
            );

    // ---------------------------------------------------------------- roll-ups

    [Fact]
    public async Task Should_answer_an_hourly_purchase_series_with_every_empty_bucket_filled()
    {
        var series = await GetAsync(
            $"analytics/rollups?event=purchase&granularity=hour&from={Instant(D.AddHours(9))}&to={Instant(D.AddHours(15))}"
        );
        Assert.Equal(
            [
                (Instant(D.AddHours(9)), 1L, 30.00m),
                (Instant(D.AddHours(10)), 0L, 0m),
                (Instant(D.AddHours(11)), 0L, 0m),
                (Instant(D.AddHours(12)), 1L, 20.00m),
                (Instant(D.AddHours(13)), 1L, 5.00m),
                (Instant(D.AddHours(14)), 0L, 0m),
            ],
            Buckets(series)
        );
        Assert.Equal(
            (3L, 55.00m, "total"),
            (series["count"]!.GetValue<long>(), series["sum"]!.GetValue<decimal>(), series["breakdown"]!.GetValue<string>())
        );
    }

    [Fact]
    public async Task Should_put_the_late_purchase_in_the_bucket_of_when_it_happened()
    {
        var days = await GetAsync($"analytics/rollups?event=purchase&granularity=day&from={Instant(D)}&to={Instant(D.AddDays(2))}");
        Assert.Equal([(Instant(D), 3L, 55.00m), (Instant(D.AddDays(1)), 2L, 52.50m)], Buckets(days));
        var hours = await GetAsync(
            $"analytics/rollups?event=purchase&granularity=hour&from={Instant(D.AddDays(1).AddHours(14))}&to={Instant(D.AddDays(1).AddHours(16))}"
        );
        Assert.Equal([(Instant(D.AddDays(1).AddHours(14)), 2L, 52.50m), (Instant(D.AddDays(1).AddHours(15)), 0L, 0m)], Buckets(hours));
    }

    [Fact]
    public async Task Should_answer_minute_buckets_whose_start_lies_in_the_range()
    {
        // from 09:19:30 leaves out the 09:19 bucket, which starts before it; to 09:22 is exclusive.
        var minutes = await GetAsync(
            $"analytics/rollups?event=purchase&granularity=minute&from={Instant(D.AddHours(9).AddMinutes(19).AddSeconds(30))}&to={Instant(D.AddHours(9).AddMinutes(22))}"
        );
        Assert.Equal(
            [(Instant(D.AddHours(9).AddMinutes(20)), 1L, 30.00m), (Instant(D.AddHours(9).AddMinutes(21)), 0L, 0m)],
            Buckets(minutes)
        );
    }

    [Fact]
    public async Task Should_break_page_views_down_by_page_path_and_purchases_by_category()
    {
        var pages = await GetAsync(
            $"analytics/rollups?event=page_view&granularity=day&from={Instant(D)}&to={Instant(D.AddDays(2))}&breakdown=page"
        );
        Assert.Equal(
            [
                (Instant(D), "/home", 4L),
                (Instant(D), "/products/1", 2L),
                (Instant(D), "/products/2", 1L),
                (Instant(D.AddDays(1)), "/home", 1L),
            ],
            pages["buckets"]!
                .AsArray()
                .Select(b => (b!["start"]!.GetValue<string>(), b["value"]!.GetValue<string>(), b["count"]!.GetValue<long>()))
        );
        Assert.Equal(8, pages["count"]!.GetValue<long>());
        var categories = await GetAsync(
            $"analytics/rollups?event=purchase&granularity=day&from={Instant(D)}&to={Instant(D.AddDays(1))}&breakdown=dimension&name=category"
        );
        Assert.Equal(
            [("hats", 1L, 20.00m), ("shoes", 2L, 35.00m)],
            categories["buckets"]!
                .AsArray()
                .Select(b => (b!["value"]!.GetValue<string>(), b["count"]!.GetValue<long>(), b["sum"]!.GetValue<decimal>()))
        );
        Assert.Equal("category", categories["name"]!.GetValue<string>());
    }

    // ---------------------------------------------------------------- funnels

    [Fact]
    public async Task Should_count_the_funnel_with_the_merged_visitor_once_and_the_window_end_excluded()
    {
        var funnel = await FunnelAsync("P1D", "page_view", "add_to_cart", "purchase");
        Assert.Equal(
            [("page_view", 7L, 1.0, 1.0, 0L, 0.0), ("add_to_cart", 6L, 0.8571, 0.8571, 1L, 0.1429), ("purchase", 3L, 0.4286, 0.5, 3L, 0.5)],
            Steps(funnel).Select(s => (s.Event, s.Count, s.First!.Value, s.Previous!.Value, s.DropOff, s.DropOffRate!.Value))
        );
        Assert.Equal(
            ("P1D", Instant(D), Instant(D.AddDays(1))),
            (funnel["window"]!.GetValue<string>(), funnel["from"]!.GetValue<string>(), funnel["to"]!.GetValue<string>())
        );
    }

    [Fact]
    public async Task Should_exclude_a_step_exactly_one_window_after_the_first_and_include_one_just_inside()
    {
        // PT1H: carol's purchase is exactly one hour after her (anonymous) view: out; alice's 20 minutes: in.
        Assert.Equal([7L, 6L, 1L], Steps(await FunnelAsync("PT1H", "page_view", "add_to_cart", "purchase")).Select(s => s.Count));
        // One millisecond more and carol's counts.
        Assert.Equal([7L, 6L, 2L], Steps(await FunnelAsync("PT1H0.001S", "page_view", "add_to_cart", "purchase")).Select(s => s.Count));
    }

    [Fact]
    public async Task Should_start_only_in_the_range_and_count_repeated_steps_once_per_subject()
    {
        // gina viewed on D+1 only; from D+1 she is the one subject, and nobody views twice.
        var funnel = await PostFunnelAsync(
            new JsonObject
            {
                ["steps"] = new JsonArray(new JsonObject { ["event"] = "page_view" }, new JsonObject { ["event"] = "page_view" }),
                ["window"] = "P2D",
                ["from"] = Instant(D.AddDays(1)),
                ["to"] = Instant(D.AddDays(2)),
            }
        );
        Assert.Equal([(1L, (double?)1.0), (0L, 0.0)], Steps(funnel).Select(s => (s.Count, s.First)));
    }

    [Fact]
    public async Task Should_answer_null_rates_when_nobody_entered_the_funnel()
    {
        var funnel = await FunnelAsync("P1D", "newsletter_signup", "purchase");
        Assert.All(Steps(funnel), s => Assert.Equal((0L, (double?)null, (double?)null), (s.Count, s.First, s.Previous)));
    }

    // ---------------------------------------------------------------- journeys

    [Fact]
    public async Task Should_report_journey_stages_with_drop_off_to_the_next_stage()
    {
        var report = await GetAsync($"journeys/shop/report?from={Instant(D)}&to={Instant(D.AddDays(1))}");
        Assert.Equal(
            [("awareness", 8L, (long?)1, (double?)0.125), ("consideration", 7L, 3L, 0.4286), ("action", 4L, null, null)],
            Stages(report)
        );
        Assert.Equal(
            ("shop", 1, "P1D"),
            (
                report["journey"]!.GetValue<string>(),
                report["journeyVersion"]!.GetValue<int>(),
                report["conversionWindow"]!.GetValue<string>()
            )
        );
        Assert.Equal(["page_view", "search"], report["stages"]![0]!["events"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    private static IEnumerable<(string Stage, long Reached, long? DroppedOff, double? Rate)> Stages(JsonObject report) =>
        report["stages"]!
            .AsArray()
            .Select(s =>
                (
                    s!["stage"]!.GetValue<string>(),
                    s["reached"]!.GetValue<long>(),
                    s["droppedOff"]?.GetValue<long>(),
                    s["dropOffRate"]?.GetValue<double>()
                )
            );

    [Fact]
    public async Task Should_write_daily_journey_reports_readable_through_the_content_api_and_replace_them_on_a_rerun()
    {
        var functions = ActivatorUtilities.CreateInstance<JourneyFunctions>(host.Services);
        await functions.WriteJourneyReports(new TimerInfo(), CancellationToken.None);
        var first = await GetAsync("content/journey-report?filter[journey]=shop&sort=from");
        await functions.WriteJourneyReports(new TimerInfo(), CancellationToken.None);
        var again = await GetAsync("content/journey-report?filter[journey]=shop&sort=from");

        string Id(int days) => "shop-" + D.AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal([Id(0), Id(1), Id(2)], again["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal(3, first["items"]!.AsArray().Count);
        var day = again["items"]![0]!.AsObject();
        Assert.Equal(
            (Instant(D), Instant(D.AddDays(1)), "P1D", 1),
            (
                day["from"]!.GetValue<string>(),
                day["to"]!.GetValue<string>(),
                day["conversionWindow"]!.GetValue<string>(),
                day["journeyVersion"]!.GetValue<int>()
            )
        );
        Assert.Equal(
            [("awareness", 8L, (long?)1, (double?)0.125), ("consideration", 7L, 3L, 0.4286), ("action", 4L, null, null)],
            Stages(day)
        );
        Assert.Equal(
            [("awareness", 1L, (long?)1, (double?)1.0), ("consideration", 0L, 0L, null), ("action", 0L, null, null)],
            Stages(again["items"]![1]!.AsObject())
        );
        var one = await GetAsync("content/journey-report/" + Id(0));
        Assert.Equal("journey-report", one["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_keep_journey_reports_away_from_customers_and_from_staff_without_analytics_read()
    {
        await host.CreateClientFor(Roles.Customer, "alice").GetAsync("content/journey-report").ShouldBeAsync(HttpStatusCode.Forbidden);
        await host.CreateClientFor(Roles.Editor).GetAsync("content/journey-report").ShouldBeAsync(HttpStatusCode.Forbidden);
        await host.CreateClientFor(Roles.Marketer).GetAsync("content/journey-report").ShouldBeAsync(HttpStatusCode.OK);
        await host.CreateClientFor(Roles.Customer, "alice")
            .GetAsync($"journeys/shop/report?from={Instant(D)}")
            .ShouldBeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Should_refuse_client_writes_to_journey_reports()
    {
        var id = JourneyId(0);
        var post = await _client.PostAsync("content/journey-report", HttpAssertions.Json("{}"));
        await post.ShouldBeProblemAsync(HttpStatusCode.Conflict, "system-written");
        var put = await _client.PutAsync("content/journey-report/" + id, HttpAssertions.Json("{}"));
        await put.ShouldBeProblemAsync(HttpStatusCode.Conflict, "system-written");
        var delete = await _client.DeleteAsync("content/journey-report/" + id);
        await delete.ShouldBeProblemAsync(HttpStatusCode.Conflict, "system-written");
    }

    private static string JourneyId(int days) =>
        "shop-" + D.AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
