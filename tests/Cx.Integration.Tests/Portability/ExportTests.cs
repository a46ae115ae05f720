using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Portability;

/// <summary>
/// 25 customers and 12 entries of a product type (every scalar type, a component, JSON), on a
/// host that reads 10 entries per page and writes Parquet row groups of 10 rows, so every
/// export crosses pages and row groups.
/// </summary>
public sealed class ExportFixture : DevHostFactory, IAsyncLifetime
{
    public const string ProductType = "product";

    public static readonly string[] Tiers = ["none", "bronze", "silver", "gold", "platinum"];

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Portability:ExportPageSize"] = "10", ["Cx:Portability:ParquetRowGroupSize"] = "10" };

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        for (var i = 0; i < 25; i++)
        {
            var json = $$"""
                {"id":"exp-{{i:D2}}","email":"exp{{i:D2}}@example.com","name":"Customer, \"{{i}}\"\nsecond line",
                 "loyaltyTier":"{{Tiers[i % 5]}}","preferences":{"language":"en","newsletter":{{(i % 2 == 0 ? "true" : "false")}}},
                 "interactionHistory":[{"kind":"visit","at":"2026-11-01T10:00:00Z"}]}
                """;
            await Client.PostAsync("customers", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);
        }
        await Client
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
        await Client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    $$"""
                    {"key":"{{ProductType}}","displayName":"Product","fields":[
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
        for (var i = 0; i < 12; i++)
        {
            var json = $$$"""
                {"id":"p-{{{i:D2}}}","title":"Product {{{i}}}","price":{{{i}}}.25,"stock":{{{i * 1000000000000L}}},"active":{{{(
                    i % 3 == 0 ? "true" : "false"
                )}}},
                 "releasedAt":"2026-0{{{1
                    + (i % 9)}}}-15T08:30:00Z","size":{"width":{{{i}}}.5,"unit":"cm"},"extra":{"tags":["a","b"],"n":{{{i}}}}}
                """;
            await Client.PostAsync($"content/{ProductType}", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class ExportTests(ExportFixture fixture) : IClassFixture<ExportFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static readonly string[] CustomerIds = [.. Enumerable.Range(0, 25).Select(i => $"exp-{i:D2}")];

    private async Task<HttpResponseMessage> GetOkAsync(string url, string mediaType)
    {
        var response = await _client.GetAsync(url).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    private async Task<List<JsonObject>> NdjsonAsync(string url)
    {
        var text = await (await GetOkAsync(url, "application/x-ndjson")).Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.TrimEnd('\n').Split('\n').Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    private static List<string> Ids(IEnumerable<JsonObject> items) => [.. items.Select(i => i["id"]!.GetValue<string>())];

    [Fact]
    public async Task Should_export_every_customer_as_json_and_ndjson_in_id_order_with_the_stored_documents()
    {
        var array = JsonNode.Parse(
            await (await GetOkAsync("customers/export?format=json", "application/json")).Content.ReadAsStringAsync()
        )!;
        var json = array.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal(CustomerIds, Ids(json).Where(id => id.StartsWith("exp-", StringComparison.Ordinal)));
        var ndjson = await NdjsonAsync("customers/export?format=ndjson");
        Assert.Equal(Ids(json), Ids(ndjson));
        var stored = await (await _client.GetAsync("customers/exp-07").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.True(JsonNode.DeepEquals(stored, ndjson.Single(i => i["id"]!.GetValue<string>() == "exp-07")));
        // No format is JSON.
        Assert.Equal(
            Ids(json),
            Ids(JsonNode.Parse(await _client.GetStringAsync("customers/export"))!.AsArray().Select(i => i!.AsObject()))
        );
    }

    [Fact]
    public async Task Should_apply_the_list_filters_and_resume_after_an_id()
    {
        var gold = await NdjsonAsync("customers/export?format=ndjson&filter[loyaltyTier]=gold");
        Assert.Equal(CustomerIds.Where((_, i) => i % 5 == 3), Ids(gold));
        var rest = await NdjsonAsync("customers/export?format=ndjson&filter[id][startsWith]=exp-&after=exp-17");
        Assert.Equal(CustomerIds[18..], Ids(rest));
        var products = await NdjsonAsync($"content/{ExportFixture.ProductType}/export?format=ndjson&filter[stock][gte]=5000000000000");
        Assert.Equal(["p-05", "p-06", "p-07", "p-08", "p-09", "p-10", "p-11"], Ids(products));
    }

    [Fact]
    public async Task Should_export_csv_that_a_standard_parser_reads_with_components_flattened()
    {
        var csv = await (
            await GetOkAsync("customers/export?format=csv&filter[id][startsWith]=exp-", "text/csv")
        ).Content.ReadAsStringAsync();
        var rows = await PythonCsv.ReadAsync(csv);
        var header = rows[0];
        Assert.Equal(["id", "schemaVersion", "createdAt", "updatedAt", "email", "name"], header.Take(6));
        Assert.Contains("preferences.language", header);
        Assert.Contains("preferences.newsletter", header);
        Assert.Contains("interactionHistory", header);
        Assert.Equal(26, rows.Count);
        var row = rows[1 + 4];
        string Cell(string column) => row[header.IndexOf(column)];
        Assert.Equal("exp-04", Cell("id"));
        Assert.Equal("Customer, \"4\"\nsecond line", Cell("name"));
        Assert.Equal("platinum", Cell("loyaltyTier"));
        Assert.Equal("true", Cell("preferences.newsletter"));
        Assert.Equal("", Cell("phone"));
        var history = JsonNode.Parse(Cell("interactionHistory"))!.AsArray();
        Assert.Equal("visit", history[0]!["kind"]!.GetValue<string>());
        Assert.All(rows, r => Assert.Equal(header.Count, r.Count));
    }

    [Fact]
    public async Task Should_export_parquet_that_an_independent_reader_opens_with_typed_columns()
    {
        var bytes = await (
            await GetOkAsync($"content/{ExportFixture.ProductType}/export?format=parquet", "application/vnd.apache.parquet")
        ).Content.ReadAsByteArrayAsync();
        var file = Path.Combine(fixture.DataDirectory, Guid.NewGuid().ToString("n") + ".parquet");
        await File.WriteAllBytesAsync(file, bytes);
        var (exit, output, error) = await NodeScript.RunAsync("tests/Cx.Integration.Tests/Portability/read-parquet.mjs", [file]);
        Assert.True(exit == 0, error);
        var read = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(12, read["numRows"]!.GetValue<int>());
        Assert.Equal(2, read["rowGroups"]!.GetValue<int>());
        var columns = read["columns"]!.AsArray().ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!.AsObject());
        Assert.Equal(
            [
                "id",
                "schemaVersion",
                "createdAt",
                "updatedAt",
                "title",
                "price",
                "stock",
                "active",
                "releasedAt",
                "size.width",
                "size.unit",
                "extra",
            ],
            columns.Keys
        );
        Assert.Equal("INT64", columns["stock"]["type"]!.GetValue<string>());
        Assert.Equal("DECIMAL", columns["price"]["logicalType"]!.GetValue<string>());
        Assert.Equal("TIMESTAMP", columns["releasedAt"]["logicalType"]!.GetValue<string>());
        Assert.Equal("BOOLEAN", columns["active"]["type"]!.GetValue<string>());
        Assert.Equal("DOUBLE", columns["size.width"]["type"]!.GetValue<string>());
        var row = read["rows"]!.AsArray()[11]!.AsObject();
        Assert.Equal("p-11", row["id"]!.GetValue<string>());
        Assert.Equal(11.25m, row["price"]!.GetValue<decimal>());
        Assert.Equal(11_000_000_000_000L, row["stock"]!.GetValue<long>());
        Assert.False(row["active"]!.GetValue<bool>());
        Assert.Equal(DateTimeOffset.Parse("2026-03-15T08:30:00Z"), DateTimeOffset.Parse(row["releasedAt"]!.GetValue<string>()));
        Assert.Equal(11.5, row["size.width"]!.GetValue<double>());
        Assert.Equal("cm", row["size.unit"]!.GetValue<string>());
        Assert.Equal(11, JsonNode.Parse(row["extra"]!.GetValue<string>())!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_export_an_empty_match_as_a_valid_empty_file_in_every_format()
    {
        const string None = "customers/export?filter[loyaltyTier]=gold&after=exp-99&format=";
        Assert.Empty(JsonNode.Parse(await _client.GetStringAsync(None + "json"))!.AsArray());
        Assert.Equal("", await _client.GetStringAsync(None + "ndjson"));
        var rows = await PythonCsv.ReadAsync(await _client.GetStringAsync(None + "csv"));
        Assert.Equal("id", Assert.Single(rows)[0]);
        var file = Path.Combine(fixture.DataDirectory, Guid.NewGuid().ToString("n") + ".parquet");
        await File.WriteAllBytesAsync(file, await _client.GetByteArrayAsync(None + "parquet"));
        var (exit, output, error) = await NodeScript.RunAsync("tests/Cx.Integration.Tests/Portability/read-parquet.mjs", [file]);
        Assert.True(exit == 0, error);
        var read = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(0, read["numRows"]!.GetValue<int>());
        Assert.Equal("id", read["columns"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_gzip_when_asked_by_parameter_or_accept_encoding()
    {
        var plain = await _client.GetByteArrayAsync("customers/export?format=ndjson");
        var asked = await _client.GetAsync("customers/export?format=ndjson&compress=gzip").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["gzip"], asked.Content.Headers.ContentEncoding);
        Assert.Equal(plain, Gunzip(await asked.Content.ReadAsByteArrayAsync()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "customers/export?format=csv");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var negotiated = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        Assert.Equal(["gzip"], negotiated.Content.Headers.ContentEncoding);
        Assert.StartsWith(
            "id,schemaVersion,",
            System.Text.Encoding.UTF8.GetString(Gunzip(await negotiated.Content.ReadAsByteArrayAsync()))
        );
        var refused = await _client.GetAsync("customers/export?format=ndjson&compress=none");
        Assert.Empty(refused.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Should_not_collide_with_the_entry_route()
    {
        var export = await GetOkAsync($"content/{ExportFixture.ProductType}/export", "application/json");
        Assert.Equal(12, JsonNode.Parse(await export.Content.ReadAsStringAsync())!.AsArray().Count);
        await _client.GetAsync($"content/{ExportFixture.ProductType}/p-01").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("customers/export?format=xml", "format", "value")]
    [InlineData("customers/export?format=csv&filter[nope]=1", "filter[nope]", "not-filterable")]
    [InlineData("customers/export?filter[loyaltyTier][like]=g", "filter[loyaltyTier][like]", "operator")]
    [InlineData("customers/export?sort=name", "sort", "unknown-parameter")]
    [InlineData("customers/export?limit=5", "limit", "unknown-parameter")]
    [InlineData("customers/export?compress=br", "compress", "value")]
    [InlineData("customers/export?format=csv&format=json", "format", "repeated")]
    [InlineData("customers/export?after=", "after", "length")]
    [InlineData("customers/export?colour=red", "colour", "unknown-parameter")]
    [InlineData("content/product/export?format=parquet&filter[price]=1", "filter[price]", "not-filterable")]
    public async Task Should_answer_bad_queries_with_400_naming_the_parameter(string url, string parameter, string code)
    {
        var problem = await (await _client.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("parameter", parameter, code), problem.Errors());
    }

    [Fact]
    public async Task Should_refuse_unknown_and_customer_scoped_types_on_the_content_route()
    {
        await (await _client.GetAsync("content/no-such-type/export")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.GetAsync("content/customer/export")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "customer-scoped");
    }

    [Fact]
    public async Task Should_hold_exports_to_the_permissions_of_the_lists()
    {
        var customer = fixture.CreateClientFor(Cx.Core.Identity.Roles.Customer, "exp-01");
        await (await customer.GetAsync("customers/export")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customer.GetAsync("content/journey-report/export")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var products = await customer.GetStringAsync($"content/{ExportFixture.ProductType}/export");
        Assert.Equal(12, JsonNode.Parse(products)!.AsArray().Count);
        var anonymous = fixture.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("customers/export")).StatusCode);
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
