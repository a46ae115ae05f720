using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;

namespace Cx.Integration.Tests.Personalization;

/// <summary>Placements as definition documents over HTTP against the DevHost: CRUD, versions, audit, validation with JSON pointers.</summary>
public sealed class PlacementApiTests(SegmentsHostFactory host) : IClassFixture<SegmentsHostFactory>
{
    private readonly HttpClient _client = host.CreateClientFor(Roles.Admin, subject: "placement-admin");

    private static string Suffix() => Guid.NewGuid().ToString("n")[..8];

    /// <summary>A banner content type with an indexed audience field, and one entry per id.</summary>
    internal static async Task<string> CreateBannerTypeAsync(HttpClient client, params string[] entries)
    {
        var type = "banner-" + Suffix();
        await client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    $$"""
                    {"key":"{{type}}","displayName":"Banner","fields":[
                      {"name":"title","type":"string","required":true},
                      {"name":"audience","type":"string","indexed":true}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        foreach (var id in entries)
        {
            await client
                .PostAsync($"content/{type}", HttpAssertions.Json($$"""{"id":"{{id}}","title":"Title {{id}}","audience":"{{id}}"}"""))
                .ShouldBeAsync(HttpStatusCode.Created);
        }
        return type;
    }

    internal static string PlacementJson(string key, string type, string variants, string extra = "") =>
        $$"""{"key":"{{key}}","name":"Hero","contentType":"{{type}}","variants":{{variants}}{{extra}}}""";

    [Fact]
    public async Task Should_create_read_change_and_delete_a_placement_with_versions_and_audit()
    {
        var type = await CreateBannerTypeAsync(_client, "generic", "vip");
        var key = "home-" + Suffix() + ".hero";
        var variants = """
            [{"key":"generic","entry":"generic"},
             {"key":"vip","entry":"vip","priority":10,"targeting":{"segments":["big-spenders"],"rule":{"field":"request.device","op":"eq","value":"mobile"}}}]
            """;
        var created = await _client
            .PostAsync("placements", HttpAssertions.Json(PlacementJson(key, type, variants, ""","fallback":"generic" """)))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/placements/{key}", created.Headers.Location!.OriginalString);
        var body = await created.ReadObjectAsync();
        Assert.Equal(1, body["version"]!.GetValue<int>());
        Assert.Equal("firstMatch", body["strategy"]!.GetValue<string>());
        Assert.Equal("placement", body["type"]!.GetValue<string>());
        var etag = created.Headers.ETag!;

        var read = await _client.GetAsync($"placements/{key}").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(etag, read.Headers.ETag);
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"placements/{key}"))
        {
            conditional.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(conditional)).StatusCode);
        }

        // Unchanged: nothing written, the version stays.
        var same = await Replace(key, PlacementJson(key, type, variants, ""","fallback":"generic" """), etag);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(1, (await same.ReadObjectAsync())["version"]!.GetValue<int>());

        var changed = await Replace(key, PlacementJson(key, type, variants, ""","fallback":"vip","strategy":"score" """), etag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var changedBody = await changed.ReadObjectAsync();
        Assert.Equal(2, changedBody["version"]!.GetValue<int>());
        Assert.Equal(0.5, changedBody["threshold"]!.GetValue<double>());

        // The old ETag is stale now.
        await (await Replace(key, PlacementJson(key, type, variants), etag)).ShouldBeProblemAsync(
            HttpStatusCode.PreconditionFailed,
            "precondition-failed"
        );

        var list = await _client.GetObjectAsync("placements?limit=100");
        Assert.Contains(list["items"]!.AsArray(), i => i!["key"]!.GetValue<string>() == key);

        await _client.DeleteAsync($"placements/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"placements/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var audit = await _client.GetObjectAsync($"audit?filter[targetId]={Uri.EscapeDataString(key)}&limit=50");
        var actions = audit["items"]!.AsArray().Select(i => i!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(2, actions.Count(a => a == "placement.saved"));
        Assert.Contains("placement.deleted", actions);
    }

    private async Task<HttpResponseMessage> Replace(string key, string json, EntityTagHeaderValue ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"placements/{key}") { Content = HttpAssertions.Json(json) };
        request.Headers.IfMatch.Add(ifMatch);
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task Should_answer_400_with_the_json_path_of_each_problem_and_write_nothing()
    {
        var type = await CreateBannerTypeAsync(_client, "a");
        var key = "bad-" + Suffix();
        var problem = await (
            await _client.PostAsync(
                "placements",
                HttpAssertions.Json(
                    PlacementJson(
                        key,
                        type,
                        """
                        [{"key":"a","entry":"a","weight":-3},
                         {"key":"b","entry":"a","targeting":{"rule":{"any":[{"field":"request.device","op":"eq","value":"mobile"},{"field":"loyaltyTeir","op":"eq","value":"gold"}]}}}]
                        """,
                        ""","fallback":"zzz" """
                    )
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        var errors = problem.Errors();
        Assert.Contains(("pointer", "/variants/0/weight", "range"), errors);
        Assert.Contains(("pointer", "/variants/1/targeting/rule/any/1/field", "unknown-field"), errors);
        Assert.Contains(("pointer", "/fallback", "unknown-variant"), errors);
        await (await _client.GetAsync($"placements/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var unknownType = await (
            await _client.PostAsync("placements", HttpAssertions.Json(PlacementJson(key, "no-such-type", """[{"key":"a","entry":"a"}]""")))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/contentType", "unknown-content-type"), unknownType.Errors());

        var customerType = await (
            await _client.PostAsync("placements", HttpAssertions.Json(PlacementJson(key, "customer", """[{"key":"a","entry":"a"}]""")))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/contentType", "not-servable"), customerType.Errors());

        // A misspelt property is an error, not a silently ignored key.
        var typo = await (
            await _client.PostAsync("placements", HttpAssertions.Json(PlacementJson(key, type, """[{"key":"a","entry":"a","wieght":2}]""")))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(typo.Errors(), e => e.Path.StartsWith("/variants/0", StringComparison.Ordinal));

        var strategy = await (
            await _client.PostAsync(
                "placements",
                HttpAssertions.Json(PlacementJson(key, type, """[{"key":"a","entry":"a"}]""", ""","strategy":"random" """))
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(strategy.Errors(), e => e.Path == "/strategy");
        await (await _client.GetAsync($"placements/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_keep_placements_from_customers_and_editors()
    {
        var customer = host.CreateClientFor(Roles.Customer, "someone");
        await (await customer.GetAsync("placements")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var editor = host.CreateClientFor(Roles.Editor);
        await (await editor.PostAsync("placements", HttpAssertions.Json("{}"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Should_filter_content_by_audience_as_the_seed_shows()
    {
        var type = await CreateBannerTypeAsync(_client, "big-spenders", "newcomers");
        var page = await _client.GetObjectAsync($"content/{type}?filter[audience][eq]=big-spenders");
        var ids = page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["big-spenders"], ids);
        var bare = await _client.GetObjectAsync($"content/{type}?filter[audience]=newcomers");
        Assert.Equal(["newcomers"], bare["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
    }
}
