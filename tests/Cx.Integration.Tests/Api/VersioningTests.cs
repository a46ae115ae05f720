using System.Net;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

/// <summary>Five customers, listed through the deprecated v1 list and the v2 list that replaces it.</summary>
public sealed class VersioningFixture : DevHostFactory, IAsyncLifetime
{
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        for (var i = 0; i < 5; i++)
        {
            var json = $$"""{"id":"ver-{{i}}","email":"ver{{i}}@example.com","name":"Versioned {{i}}"}""";
            await Client.PostAsync("customers", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class VersioningTests(VersioningFixture fixture) : IClassFixture<VersioningFixture>
{
    private const string Filter = "filter[email][startsWith]=ver";

    private readonly HttpClient _client = fixture.Client;

    private static Uri V2(string query) => new("/api/v2/customers?" + query, UriKind.Relative);

    [Fact]
    public async Task Should_answer_v1_as_before_with_deprecation_headers_from_the_route()
    {
        var response = await _client.GetAsync($"customers?{Filter}&limit=2").ShouldBeAsync(HttpStatusCode.OK);
        var page = await response.ReadObjectAsync();
        Assert.Equal(["items", "nextCursor"], page.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["ver-0", "ver-1"], page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.NotNull(page["nextCursor"]?.GetValue<string>());

        // RFC 9745: @ and Unix seconds; RFC 8594: IMF-fixdate; successor-version link to v2.
        Assert.Equal(
            "@" + new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
            response.Headers.GetValues("Deprecation").Single()
        );
        Assert.Equal("Wed, 30 Jun 2027 00:00:00 GMT", response.Headers.GetValues("Sunset").Single());
        // One Link field: the next page first (as v1 always sent it), then the successor.
        var link = response.Headers.GetValues("Link").Single();
        Assert.StartsWith("</api/v1/customers?", link, StringComparison.Ordinal);
        Assert.EndsWith("rel=\"next\", </api/v2/customers>; rel=\"successor-version\"", link, StringComparison.Ordinal);

        var single = await _client.GetAsync("customers/ver-0").ShouldBeAsync(HttpStatusCode.OK);
        Assert.False(single.Headers.Contains("Deprecation"), "Only the annotated operation is deprecated.");
        Assert.False(single.Headers.Contains("Sunset"));
    }

    [Fact]
    public async Task Should_page_v2_with_the_data_links_envelope_and_no_deprecation()
    {
        var ids = new List<string>();
        var url = V2($"{Filter}&limit=2");
        var pages = 0;
        while (true)
        {
            var response = await _client.GetAsync(url).ShouldBeAsync(HttpStatusCode.OK);
            Assert.False(response.Headers.Contains("Deprecation"));
            Assert.False(response.Headers.Contains("Sunset"));
            var page = await response.ReadObjectAsync();
            Assert.Equal(["data", "links"], page.Select(p => p.Key).Order(StringComparer.Ordinal));
            ids.AddRange(page["data"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            var next = page["links"]!["next"]?.GetValue<string>();
            if (next is null)
            {
                break;
            }
            Assert.StartsWith("/api/v2/customers?", next, StringComparison.Ordinal);
            Assert.Equal($"<{next}>; rel=\"next\"", response.Headers.GetValues("Link").Single());
            url = new Uri(next, UriKind.Relative);
            Assert.True(++pages < 10, "Paging did not terminate.");
        }
        Assert.Equal(["ver-0", "ver-1", "ver-2", "ver-3", "ver-4"], ids);

        // Same service, same data: the v1 list of the same query holds the same entries.
        var v1 = await (await _client.GetAsync($"customers?{Filter}&limit=10").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var v2 = await (await _client.GetAsync(V2($"{Filter}&limit=10&fields=email")).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal(5, v1["items"]!.AsArray().Count);
        Assert.Equal(
            v1["items"]!.AsArray().Select(i => i!["email"]!.GetValue<string>()),
            v2["data"]!.AsArray().Select(i => i!["email"]!.GetValue<string>())
        );
        Assert.Null(v2["links"]!["next"]);
    }

    [Fact]
    public async Task Should_send_the_deprecation_headers_on_problem_answers_too()
    {
        var anonymous = fixture.CreateAnonymousClient();
        var denied = await anonymous.GetAsync("customers");
        await denied.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Wed, 30 Jun 2027 00:00:00 GMT", denied.Headers.GetValues("Sunset").Single());

        var bad = await _client.GetAsync("customers?limit=0");
        await bad.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal("</api/v2/customers>; rel=\"successor-version\"", bad.Headers.GetValues("Link").Single());
    }

    [Theory]
    [InlineData("filter[nope]=x", "filter[nope]")]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    public async Task Should_reject_bad_v2_queries_like_v1(string query, string parameter)
    {
        var v2 = await (await _client.GetAsync(V2(query))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(v2.Errors(), e => e.Location == "parameter" && e.Path == parameter);
        var v1 = await (await _client.GetAsync("customers?" + query)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(v1.Errors(), v2.Errors());
    }

    [Fact]
    public async Task Should_mark_only_the_replaced_operation_deprecated_and_list_each_version_in_its_own_document()
    {
        var document = await (await _client.GetAsync("openapi.json").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var paths = document["paths"]!.AsObject();
        Assert.True(paths["/api/v1/customers"]!["get"]!["deprecated"]!.GetValue<bool>());
        Assert.Contains(
            "/api/v2/customers",
            paths["/api/v1/customers"]!["get"]!["description"]!.GetValue<string>(),
            StringComparison.Ordinal
        );
        Assert.Null(paths["/api/v1/customers"]!["post"]!["deprecated"]);
        Assert.All(paths, p => Assert.False(p.Key.StartsWith("/api/v2/", StringComparison.Ordinal), p.Key + " is in the v1 document"));
        Assert.Equal("v1", document["info"]!["version"]!.GetValue<string>());

        var v2Document = await (await _client.GetAsync("/api/v2/openapi.json").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("v2", v2Document["info"]!["version"]!.GetValue<string>());
        Assert.Equal(
            ["/api/v2/customers", "/api/v2/openapi.json", "/api/v2/reference"],
            v2Document["paths"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal)
        );
        var v2 = v2Document["paths"]!["/api/v2/customers"]!["get"]!.AsObject();
        Assert.Equal("ListCustomersV2", v2["operationId"]!.GetValue<string>());
        Assert.Null(v2["deprecated"]);
        var schema = v2["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.AsObject();
        Assert.Equal(["data", "links"], schema["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }
}
