using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Portability;

/// <summary>
/// 25 purchases of 5 customers and 8 anonymous page views on one day, and 3 purchases four days
/// earlier, on a host that reads 10 rows per page and writes Parquet row groups of 10 rows, so
/// every export crosses pages and row groups.
/// </summary>
public sealed class AnalyticsExportFixture : EventsHostFactory, IAsyncLifetime
{
    public static readonly DateTimeOffset Day = Today().AddDays(-2);

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Cx:Portability:ExportPageSize"] = "10",
            ["Cx:Portability:ParquetRowGroupSize"] = "10",
        };

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        var events = new List<JsonObject>();
        for (var i = 0; i < 25; i++)
        {
            events.Add(
                Event(
                    "purchase",
                    $"ax-{i % 5}",
                    null,
                    Day.AddHours(i % 12).AddMinutes(i),
                    $"buy-{i:D2}",
                    new JsonObject { ["amount"] = i + 0.25m, ["currency"] = "EUR" }
                )
            );
        }
        for (var i = 0; i < 8; i++)
        {
            events.Add(
                Event(
                    "page_view",
                    null,
                    $"anon-{i}",
                    Day.AddHours(3).AddSeconds(i),
                    $"view-{i}",
                    new JsonObject { ["category"] = i % 2 == 0 ? "shoes" : "hats", ["title"] = "Say \"hi\", then\nleave" },
                    page: $"/p/{i}"
                )
            );
        }
        for (var i = 0; i < 3; i++)
        {
            events.Add(Event("purchase", "ax-old", null, Day.AddDays(-4).AddHours(i), $"old-{i}", new JsonObject { ["amount"] = 1 }));
        }
        var answer = await Client.PostEventsAsync(Batch([.. events]));
        Assert.Equal(36, answer["accepted"]!.GetValue<int>());
        await Client.WaitForProcessingAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class AnalyticsExportTests(AnalyticsExportFixture fixture) : IClassFixture<AnalyticsExportFixture>
{
    private readonly HttpClient _client = fixture.Client;
    private static readonly string From = Instant(AnalyticsExportFixture.Day);
    private static readonly string To = Instant(AnalyticsExportFixture.Day.AddDays(1));
    private static readonly string Range = $"from={From}&to={To}";

    private async Task<List<JsonObject>> NdjsonAsync(string url)
    {
        var response = await _client.GetAsync(url).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    private static string S(JsonObject o, string name) => o[name]!.GetValue<string>();

    [Fact]
    public async Task Should_export_the_events_of_the_range_per_type_in_time_order_and_resume_after_any_cursor()
    {
        var rows = await NdjsonAsync($"events/export?format=ndjson&{Range}");
        Assert.Equal(33, rows.Count);
        var purchases = rows.Where(r => S(r, "type") == "purchase").ToList();
        Assert.Equal(25, purchases.Count);
        Assert.Equal(8, rows.Count(r => S(r, "type") == "page_view"));
        // One block per type, each in time order.
        Assert.Equal(2, rows.Select(r => S(r, "type")).Distinct().Count());
        Assert.Equal(1, Enumerable.Range(1, rows.Count - 1).Count(i => S(rows[i], "type") != S(rows[i - 1], "type")));
        foreach (var block in rows.GroupBy(r => S(r, "type")))
        {
            var times = block.Select(r => S(r, "timestamp")).ToList();
            Assert.Equal(times.Order(StringComparer.Ordinal), times);
        }
        var buy = purchases.Single(r => S(r, "eventId") == "buy-07");
        Assert.Equal("ax-2", S(buy, "customerId"));
        Assert.Null(buy["anonymousId"]);
        Assert.Equal(Instant(AnalyticsExportFixture.Day.AddHours(7).AddMinutes(7)), S(buy, "timestamp"));
        Assert.Equal(7.25m, buy["properties"]!["amount"]!.GetValue<decimal>());
        Assert.False(buy["custom"]!.GetValue<bool>());
        var view = rows.Single(r => S(r, "eventId") == "view-3");
        Assert.Equal("anon-3", S(view, "anonymousId"));
        Assert.Equal("/p/3", S(view, "page"));
        Assert.DoesNotContain(rows, r => S(r, "eventId").StartsWith("old-", StringComparison.Ordinal));

        // Resume after any row: the rest, exactly.
        foreach (var cut in new[] { 0, 9, 10, 24, 25, 31 })
        {
            var rest = await NdjsonAsync($"events/export?format=ndjson&{Range}&after={S(rows[cut], "cursor")}");
            Assert.Equal(rows.Skip(cut + 1).Select(r => S(r, "eventId")), rest.Select(r => S(r, "eventId")));
        }
        Assert.Empty(await NdjsonAsync($"events/export?format=ndjson&{Range}&after={S(rows[^1], "cursor")}"));

        // One type only; the older range alone.
        var views = await NdjsonAsync($"events/export?format=ndjson&{Range}&type=page_view");
        Assert.Equal(rows.Where(r => S(r, "type") == "page_view").Select(r => S(r, "eventId")), views.Select(r => S(r, "eventId")));
        Assert.Empty(await NdjsonAsync($"events/export?format=ndjson&{Range}&type=never_seen"));
        var old = await NdjsonAsync($"events/export?format=ndjson&from={Instant(AnalyticsExportFixture.Day.AddDays(-5))}&to={From}");
        Assert.Equal(["old-0", "old-1", "old-2"], old.Select(r => S(r, "eventId")));

        // JSON is the same rows as one array.
        var array = JsonNode.Parse(await _client.GetStringAsync($"events/export?{Range}"))!.AsArray();
        Assert.Equal(rows.Select(r => r.ToJsonString()), array.Select(r => r!.ToJsonString()));
    }

    [Fact]
    public async Task Should_export_events_as_csv_that_a_standard_parser_reads()
    {
        var response = await _client.GetAsync($"events/export?format=csv&{Range}").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("events.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var rows = await PythonCsv.ReadAsync(await response.Content.ReadAsStringAsync());
        Assert.Equal(
            ["eventId", "type", "customerId", "anonymousId", "timestamp", "receivedAt", "page", "custom", "properties", "cursor"],
            rows[0]
        );
        Assert.Equal(34, rows.Count);
        Assert.All(rows, r => Assert.Equal(10, r.Count));
        var view = rows.Single(r => r[0] == "view-5");
        Assert.Equal(["view-5", "page_view", "", "anon-5"], view.Take(4));
        Assert.Equal(Instant(AnalyticsExportFixture.Day.AddHours(3).AddSeconds(5)), view[4]);
        Assert.Equal("false", view[7]);
        var properties = JsonNode.Parse(view[8])!;
        Assert.Equal("Say \"hi\", then\nleave", properties["title"]!.GetValue<string>());
        Assert.Equal("hats", properties["category"]!.GetValue<string>());
        // The CSV cursor resumes like the NDJSON one.
        var rest = await PythonCsv.ReadAsync(await _client.GetStringAsync($"events/export?format=csv&{Range}&after={rows[20][9]}"));
        Assert.Equal(rows.Skip(21).Select(r => r[0]), rest.Skip(1).Select(r => r[0]));
    }

    [Fact]
    public async Task Should_export_events_as_parquet_that_an_independent_reader_opens_with_typed_columns()
    {
        var read = await ReadParquetAsync($"events/export?format=parquet&{Range}");
        Assert.Equal(33, read["numRows"]!.GetValue<int>());
        Assert.Equal(4, read["rowGroups"]!.GetValue<int>());
        var columns = read["columns"]!.AsArray().ToDictionary(c => S(c!.AsObject(), "name"), c => c!.AsObject());
        Assert.Equal(
            ["eventId", "type", "customerId", "anonymousId", "timestamp", "receivedAt", "page", "custom", "properties", "cursor"],
            columns.Keys
        );
        Assert.Equal("TIMESTAMP", S(columns["timestamp"], "logicalType"));
        Assert.Equal("BOOLEAN", S(columns["custom"], "type"));
        Assert.Equal("BYTE_ARRAY", S(columns["properties"], "type"));
        var ndjson = await NdjsonAsync($"events/export?format=ndjson&{Range}");
        var rows = read["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(ndjson.Select(r => S(r, "eventId")), rows.Select(r => S(r, "eventId")));
        Assert.Equal(ndjson.Select(r => S(r, "cursor")), rows.Select(r => S(r, "cursor")));
        var buy = rows.Single(r => S(r, "eventId") == "buy-11");
        Assert.Equal("ax-1", S(buy, "customerId"));
        Assert.Null(buy["anonymousId"]);
        Assert.Equal(
            AnalyticsExportFixture.Day.AddHours(11).AddMinutes(11),
            DateTimeOffset.Parse(S(buy, "timestamp"), System.Globalization.CultureInfo.InvariantCulture)
        );
        Assert.Equal(11.25m, JsonNode.Parse(S(buy, "properties"))!["amount"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Should_export_rollup_counters_that_add_up_to_the_events_in_every_format()
    {
        var rows = await NdjsonAsync($"analytics/rollups/export?format=ndjson&granularity=hour&{Range}");
        var purchaseTotals = rows.Where(r => S(r, "eventType") == "purchase" && S(r, "breakdown") == "total").ToList();
        Assert.Equal(12, purchaseTotals.Count);
        Assert.Equal(25, purchaseTotals.Sum(r => r["count"]!.GetValue<long>()));
        Assert.Equal(Enumerable.Range(0, 25).Sum(i => i + 0.25m), purchaseTotals.Sum(r => r["sum"]!.GetValue<decimal>()));
        Assert.All(rows, r => Assert.Equal("hour", S(r, "granularity")));
        var categories = rows.Where(r => S(r, "eventType") == "page_view" && S(r, "breakdown") == "dimension").ToList();
        Assert.Equal(
            [("category", "hats", 4L), ("category", "shoes", 4L)],
            categories.Select(r => (S(r, "name"), S(r, "value"), r["count"]!.GetValue<long>())).Order()
        );
        Assert.All(categories, r => Assert.Equal(Instant(AnalyticsExportFixture.Day.AddHours(3)), S(r, "bucketStart")));

        // Resume after any row; one type only; day buckets.
        foreach (var cut in new[] { 0, 9, rows.Count - 2 })
        {
            var rest = await NdjsonAsync($"analytics/rollups/export?format=ndjson&granularity=hour&{Range}&after={S(rows[cut], "cursor")}");
            Assert.Equal(rows.Skip(cut + 1).Select(r => S(r, "cursor")), rest.Select(r => S(r, "cursor")));
        }
        var days = await NdjsonAsync($"analytics/rollups/export?format=ndjson&granularity=day&{Range}&type=purchase");
        var total = days.Single(r => S(r, "breakdown") == "total");
        Assert.Equal((25L, From), (total["count"]!.GetValue<long>(), S(total, "bucketStart")));
        Assert.All(days, r => Assert.Equal("purchase", S(r, "eventType")));

        // CSV in Python's csv module, Parquet in hyparquet: the same counters.
        var csv = await PythonCsv.ReadAsync(await _client.GetStringAsync($"analytics/rollups/export?format=csv&granularity=hour&{Range}"));
        Assert.Equal(["eventType", "granularity", "bucketStart", "breakdown", "name", "value", "count", "sum", "cursor"], csv[0]);
        Assert.Equal(rows.Select(r => S(r, "cursor")), csv.Skip(1).Select(r => r[8]));
        Assert.Equal(
            rows.Select(r => r["sum"]!.GetValue<decimal>()),
            csv.Skip(1).Select(r => decimal.Parse(r[7], System.Globalization.CultureInfo.InvariantCulture))
        );
        var parquet = await ReadParquetAsync($"analytics/rollups/export?format=parquet&granularity=hour&{Range}");
        var columns = parquet["columns"]!.AsArray().ToDictionary(c => S(c!.AsObject(), "name"), c => c!.AsObject());
        Assert.Equal("INT64", S(columns["count"], "type"));
        Assert.Equal("DECIMAL", S(columns["sum"], "logicalType"));
        Assert.Equal("TIMESTAMP", S(columns["bucketStart"], "logicalType"));
        var read = parquet["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(rows.Select(r => r["count"]!.GetValue<long>()), read.Select(r => r["count"]!.GetValue<long>()));
        // hyparquet hands DECIMAL values to JavaScript as doubles: equal to 4 decimals, the column's scale.
        Assert.Equal(rows.Select(r => r["sum"]!.GetValue<decimal>()), read.Select(r => Math.Round(r["sum"]!.GetValue<decimal>(), 4)));
    }

    [Fact]
    public async Task Should_gzip_an_event_export_when_asked()
    {
        var plain = await _client.GetByteArrayAsync($"events/export?format=ndjson&{Range}");
        var asked = await _client.GetAsync($"events/export?format=ndjson&{Range}&compress=gzip").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["gzip"], asked.Content.Headers.ContentEncoding);
        using var input = new GZipStream(new MemoryStream(await asked.Content.ReadAsByteArrayAsync()), CompressionMode.Decompress);
        using var output = new MemoryStream();
        await input.CopyToAsync(output);
        Assert.Equal(plain, output.ToArray());
    }

    [Theory]
    [InlineData("events/export?to={to}", "from", "required")]
    [InlineData("events/export?from=yesterday", "from", "date-time")]
    [InlineData("events/export?from={from}&to=2026-13-01", "to", "date-time")]
    [InlineData("events/export?from={to}&to={from}", "to", "range")]
    [InlineData("events/export?from={from}&format=xml", "format", "value")]
    [InlineData("events/export?from={from}&compress=br", "compress", "value")]
    [InlineData("events/export?from={from}&type=Bad!", "type", "event-type")]
    [InlineData("events/export?from={from}&after=", "after", "cursor")]
    [InlineData("events/export?from={from}&after=bm90LWEtY3Vyc29y", "after", "cursor")]
    [InlineData("events/export?from={from}&after=!!!", "after", "cursor")]
    [InlineData("events/export?from={from}&limit=5", "limit", "unknown-parameter")]
    [InlineData("events/export?from={from}&format=csv&format=json", "format", "repeated")]
    [InlineData("analytics/rollups/export?from={from}", "granularity", "required")]
    [InlineData("analytics/rollups/export?from={from}&granularity=week", "granularity", "enum")]
    [InlineData("analytics/rollups/export?granularity=day", "from", "required")]
    [InlineData("analytics/rollups/export?granularity=day&from={from}&after=WyJlIiwxLDIsM10", "after", "cursor")]
    [InlineData("analytics/rollups/export?granularity=day&from={from}&breakdown=page", "breakdown", "unknown-parameter")]
    public async Task Should_answer_bad_queries_with_400_naming_the_parameter(string url, string parameter, string code)
    {
        var resolved = url.Replace("{from}", From, StringComparison.Ordinal).Replace("{to}", To, StringComparison.Ordinal);
        var problem = await (await _client.GetAsync(resolved)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("parameter", parameter, code), problem.Errors());
    }

    [Fact]
    public async Task Should_hold_exports_to_staff_permissions()
    {
        var customer = fixture.CreateClientFor(Cx.Core.Identity.Roles.Customer, "ax-1");
        await (await customer.GetAsync($"events/export?{Range}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var support = fixture.CreateClientFor(Cx.Core.Identity.Roles.SupportAgent, "agent-1");
        await support.GetAsync($"events/export?{Range}&format=ndjson").ShouldBeAsync(HttpStatusCode.OK);
        await (await support.GetAsync($"analytics/rollups/export?granularity=day&{Range}")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
    }

    private async Task<JsonObject> ReadParquetAsync(string url)
    {
        var response = await _client.GetAsync(url).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/vnd.apache.parquet", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(fixture.DataDirectory, Guid.NewGuid().ToString("n") + ".parquet");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        var (exit, output, error) = await NodeScript.RunAsync("tests/Cx.Integration.Tests/Portability/read-parquet.mjs", [file]);
        Assert.True(exit == 0, error);
        return JsonNode.Parse(output)!.AsObject();
    }
}
