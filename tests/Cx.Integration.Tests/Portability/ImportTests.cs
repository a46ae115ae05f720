using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Portability;

/// <summary>An empty host that takes at most 10 rows per import request and bodies of at most 64 KiB.</summary>
public sealed class ImportTargetHost : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Portability:ImportMaxRows"] = "10", ["Cx:Portability:ImportMaxBytes"] = "65536" };

    /// <summary>Defines the export fixture's product type (and its component) on this host.</summary>
    public static async Task DefineProductAsync(HttpClient client)
    {
        await client
            .PostAsync(
                "components",
                HttpAssertions.Json(
                    """
                    {"key":"dimensions","displayName":"Dimensions","fields":[
                      {"name":"width","type":"number"},{"name":"unit","type":"enumeration","values":["cm","in"]}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    """
                    {"key":"product","displayName":"Product","fields":[
                      {"name":"title","type":"string","required":true,"indexed":true},
                      {"name":"price","type":"decimal","scale":2},
                      {"name":"stock","type":"integer","indexed":true},
                      {"name":"active","type":"boolean"},
                      {"name":"releasedAt","type":"dateTime"},
                      {"name":"size","type":"component","component":"dimensions"},
                      {"name":"extra","type":"json"}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
    }
}

/// <summary>
/// Imports over HTTP: files exported by the <see cref="ExportFixture"/> host are imported into
/// empty hosts, which then export exactly the same entries; bad files write nothing.
/// </summary>
public sealed class ImportTests(ExportFixture source) : IClassFixture<ExportFixture>
{
    private static StringContent File(string text, string mediaType) => new(text, Encoding.UTF8, mediaType);

    private static async Task<string> ExportAsync(HttpClient client, string route, string format) =>
        await (
            await client.GetAsync($"{route}/export?format={format}&compress=none").ShouldBeAsync(HttpStatusCode.OK)
        ).Content.ReadAsStringAsync();

    private static List<JsonObject> Lines(string ndjson) =>
        [.. ndjson.Split('\n').Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];

    /// <summary>Posts a file in chunks (following nextFrom) and returns the answers.</summary>
    private static async Task<List<JsonObject>> ImportAllAsync(HttpClient client, string route, string file, string mediaType)
    {
        var answers = new List<JsonObject>();
        long from = 1;
        while (true)
        {
            var answer = await (
                await client.PostAsync($"{route}/import?from={from}", File(file, mediaType)).ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync();
            answers.Add(answer);
            if (answer["nextFrom"] is null)
            {
                return answers;
            }
            from = answer["nextFrom"]!.GetValue<long>();
        }
    }

    private static void AssertSameEntries(string expectedNdjson, string actualNdjson)
    {
        var expected = Lines(expectedNdjson);
        var actual = Lines(actualNdjson);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(expected[i], actual[i]), $"{expected[i].ToJsonString()}\n!=\n{actual[i].ToJsonString()}");
        }
    }

    [Fact]
    public async Task Should_round_trip_an_ndjson_export_of_customers_into_an_empty_host_in_chunks()
    {
        var original = await ExportAsync(source.Client, "customers", "ndjson");
        using var target = new ImportTargetHost();
        var client = target.CreateApiClient();
        var answers = await ImportAllAsync(client, "customers", original, "application/x-ndjson");
        // 25 customers, 10 rows per request: lines 1-10, 11-20, 21-25.
        Assert.Equal([11L, 21L], answers.Take(2).Select(a => a["nextFrom"]!.GetValue<long>()));
        Assert.Equal(25, answers.Sum(a => a["created"]!.GetValue<int>()));
        AssertSameEntries(original, await ExportAsync(client, "customers", "ndjson"));
        // Importing the same file again updates every entry and changes nothing.
        var again = await ImportAllAsync(client, "customers", original, "application/x-ndjson");
        Assert.Equal(25, again.Sum(a => a["updated"]!.GetValue<int>()));
        Assert.Equal(0, again.Sum(a => a["created"]!.GetValue<int>()));
        AssertSameEntries(original, await ExportAsync(client, "customers", "ndjson"));
    }

    [Fact]
    public async Task Should_round_trip_csv_exports_of_products_and_customers_into_an_empty_host()
    {
        using var target = new ImportTargetHost();
        var client = target.CreateApiClient();
        await ImportTargetHost.DefineProductAsync(client);
        var products = await ExportAsync(source.Client, $"content/{ExportFixture.ProductType}", "csv");
        await ImportAllAsync(client, $"content/{ExportFixture.ProductType}", products, "text/csv");
        AssertSameEntries(
            await ExportAsync(source.Client, $"content/{ExportFixture.ProductType}", "ndjson"),
            await ExportAsync(client, $"content/{ExportFixture.ProductType}", "ndjson")
        );
        var customers = await ExportAsync(source.Client, "customers", "csv");
        var answers = await ImportAllAsync(client, "customers", customers, "text/csv");
        Assert.Equal(25, answers.Sum(a => a["created"]!.GetValue<int>()));
        AssertSameEntries(await ExportAsync(source.Client, "customers", "ndjson"), await ExportAsync(client, "customers", "ndjson"));
    }

    [Fact]
    public async Task Should_report_every_bad_ndjson_row_by_line_and_pointer_and_write_nothing()
    {
        using var target = new ImportTargetHost();
        var client = target.CreateApiClient();
        var file = string.Join(
            '\n',
            """{"id":"ok-1","email":"ok1@example.com","name":"Fine"}""",
            """{"id":"bad-2","email":"not an email","name":"Bad email","loyaltyTier":"tin"}""",
            "",
            """{"id":"bad-4","email":"b4@example.com",""",
            """{"id":"ok-1","email":"dup@example.com"}""",
            """["not","an","object"]""",
            """{"id":"bad-7","email":"ok1@example.com"}""",
            """{"id":"has space","email":"b8@example.com"}"""
        );
        var problem = await (await client.PostAsync("customers/import", File(file, "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "import-rejected"
        );
        var errors = problem["errors"]!
            .AsArray()
            .Select(e => (e!["line"]!.GetValue<long>(), e["pointer"]!.GetValue<string>(), e["code"]!.GetValue<string>()))
            .ToList();
        Assert.Contains((2L, "/email", "email"), errors);
        Assert.Contains((4L, "", "malformed-json"), errors);
        Assert.Contains((5L, "/id", "duplicate-id"), errors);
        Assert.Contains((6L, "", "type"), errors);
        Assert.Contains((7L, "/email", "unique"), errors);
        Assert.Contains((2L, "/loyaltyTier", "enum"), errors);
        Assert.Contains((8L, "/id", "id"), errors);
        Assert.DoesNotContain(errors, e => e.Item1 is 1 or 3);
        Assert.False(problem["truncated"]!.GetValue<bool>());
        // Line 1 was valid, but nothing is written when any row is bad.
        await client.GetAsync("customers/ok-1").ShouldBeAsync(HttpStatusCode.NotFound);
        Assert.Empty(Lines(await ExportAsync(client, "customers", "ndjson")));
    }

    [Fact]
    public async Task Should_report_a_unique_value_held_by_another_stored_entry_before_writing_anything()
    {
        using var target = new ImportTargetHost();
        var client = target.CreateApiClient();
        await client
            .PostAsync("customers", HttpAssertions.Json("""{"id":"owner","email":"taken@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var file = """
            {"id":"new-1","email":"free@example.com"}
            {"id":"new-2","email":"taken@example.com"}
            {"id":"owner","email":"taken@example.com","name":"Same owner, same value"}
            """;
        var problem = await (await client.PostAsync("customers/import", File(file, "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "import-rejected"
        );
        var errors = problem["errors"]!
            .AsArray()
            .Select(e =>
                (
                    e!["line"]!.GetValue<long>(),
                    e["pointer"]!.GetValue<string>(),
                    e["code"]!.GetValue<string>(),
                    e["detail"]!.GetValue<string>()
                )
            )
            .ToList();
        // Line 2 clashes with the stored entry 'owner'; line 3 (the owner keeping its value) only with line 2 of the file.
        Assert.Equal(2, errors.Count);
        Assert.Equal((2L, "/email", "unique"), (errors[0].Item1, errors[0].Item2, errors[0].Item3));
        Assert.Contains("'owner'", errors[0].Item4, StringComparison.Ordinal);
        Assert.Equal((3L, "/email", "unique"), (errors[1].Item1, errors[1].Item2, errors[1].Item3));
        Assert.Contains("Line 2", errors[1].Item4, StringComparison.Ordinal);
        await client.GetAsync("customers/new-1").ShouldBeAsync(HttpStatusCode.NotFound);
        var owner = await (await client.GetAsync("customers/owner").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Null(owner["name"]);
    }

    [Fact]
    public async Task Should_report_bad_csv_values_and_columns_by_line_and_pointer_and_write_nothing()
    {
        using var target = new ImportTargetHost();
        var client = target.CreateApiClient();
        await ImportTargetHost.DefineProductAsync(client);
        var file =
            "id,title,price,active,size.width,size.unit,extra\r\n"
            + "p-1,Good,1.25,true,2.5,cm,\"{\"\"a\"\":1}\"\r\n"
            + "p-2,\"Two\r\nlines\",1.25,maybe,wide,cm,\r\n"
            + "p-3,,1.25,false,1,mm,{nope\r\n"
            + "p-4,Short\r\n";
        var problem = await (await client.PostAsync("content/product/import", File(file, "text/csv"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "import-rejected"
        );
        var errors = problem["errors"]!
            .AsArray()
            .Select(e => (e!["line"]!.GetValue<long>(), e["pointer"]!.GetValue<string>(), e["code"]!.GetValue<string>()))
            .ToList();
        // The record of p-2 starts on line 3 and spans two lines; p-3 starts on line 5.
        Assert.Contains((3L, "/active", "value"), errors);
        Assert.Contains((3L, "/size/width", "value"), errors);
        Assert.Contains((5L, "/extra", "value"), errors);
        Assert.Contains((6L, "", "field-count"), errors);
        Assert.DoesNotContain(errors, e => e.Item1 == 2);
        Assert.Empty(Lines(await ExportAsync(client, "content/product", "ndjson")));
        // Type-level errors (required title, enumeration value) come from the content type's validator.
        var invalid = "id,title,size.unit\r\np-5,,mm\r\n";
        var second = await (await client.PostAsync("content/product/import", File(invalid, "text/csv"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "import-rejected"
        );
        var pointers = second["errors"]!.AsArray().Select(e => (e!["line"]!.GetValue<long>(), e["pointer"]!.GetValue<string>())).ToList();
        Assert.Contains((2L, "/title"), pointers);
        Assert.Contains((2L, "/size/unit"), pointers);
        var unknown = await (
            await client.PostAsync("content/product/import", File("id,colour\r\np-6,red\r\n", "text/csv"))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "import-rejected");
        Assert.Equal(1, unknown["errors"]![0]!["line"]!.GetValue<long>());
        Assert.Equal("unknown-column", unknown["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Empty(Lines(await ExportAsync(client, "content/product", "ndjson")));
    }

    [Fact]
    public async Task Should_refuse_a_body_over_the_limit_with_413_declared_or_chunked_and_write_nothing()
    {
        using var target = new ImportTargetHost();
        var client = target.CreateApiClient();
        var builder = new StringBuilder();
        for (var i = 0; builder.Length <= 70_000; i++)
        {
            builder.Append($$"""{"id":"big-{{i}}","email":"big{{i}}@example.com","name":"{{new string('x', 200)}}"}""").Append('\n');
        }
        var text = builder.ToString();
        await (await client.PostAsync("customers/import", File(text, "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
        // Without Content-Length the limit holds while the body streams in. The first rows fit in
        // one chunk of 10 rows, so ask for the whole file from a line past the first chunks.
        var chunked = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(text)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        var response = await client.PostAsync("customers/import?from=250", chunked);
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        // The same for CSV, read by CsvHelper from the streamed body; from lies past the last row, so every byte is read.
        var csv = new StringBuilder("id,email,name\r\n");
        for (var i = 0; csv.Length <= 70_000; i++)
        {
            csv.Append($"big-{i},big{i}@example.com,{new string('x', 200)}\r\n");
        }
        var chunkedCsv = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(csv.ToString())));
        chunkedCsv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        await (await client.PostAsync("customers/import?from=100000", chunkedCsv)).ShouldBeProblemAsync(
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
        Assert.Empty(Lines(await ExportAsync(client, "customers", "ndjson")));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Should_refuse_other_media_types_with_415(string? mediaType)
    {
        using var content = new ByteArrayContent("""{"email":"x@example.com"}"""u8.ToArray());
        if (mediaType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }
        await (await source.Client.PostAsync("customers/import", content)).ShouldBeProblemAsync(
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
    }

    [Theory]
    [InlineData("customers/import?from=0", "from", "value")]
    [InlineData("customers/import?from=x", "from", "value")]
    [InlineData("customers/import?format=csv", "format", "unknown-parameter")]
    public async Task Should_answer_bad_queries_with_400_naming_the_parameter(string url, string parameter, string code)
    {
        var problem = await (await source.Client.PostAsync(url, File("", "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", parameter, code), problem.Errors());
    }

    [Fact]
    public async Task Should_hold_imports_to_the_write_permissions_and_refuse_types_that_clients_cannot_write()
    {
        var row = """{"id":"perm-1","email":"perm1@example.com"}""";
        var customer = source.CreateClientFor(Roles.Customer, "exp-01");
        await (await customer.PostAsync("customers/import", File(row, "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await (
            await customer.PostAsync($"content/{ExportFixture.ProductType}/import", File("""{"title":"x"}""", "application/x-ndjson"))
        ).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var anonymous = source.CreateAnonymousClient();
        Assert.Equal(
            HttpStatusCode.Unauthorized,
            (await anonymous.PostAsync("customers/import", File(row, "application/x-ndjson"))).StatusCode
        );
        await source.Client.GetAsync("customers/perm-1").ShouldBeAsync(HttpStatusCode.NotFound);
        await (await source.Client.PostAsync("content/customer/import", File(row, "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "customer-scoped"
        );
        await (await source.Client.PostAsync("content/no-such-type/import", File(row, "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
        await (await source.Client.PostAsync("content/journey-report/import", File("{}", "application/x-ndjson"))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "system-written"
        );
    }

    /// <summary>A stream whose length is unknown, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
