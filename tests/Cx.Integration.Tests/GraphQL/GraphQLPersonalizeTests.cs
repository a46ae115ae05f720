using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Personalization;
using Cx.Integration.Tests.Segments;
using static Cx.Integration.Tests.Personalization.PlacementApiTests;

namespace Cx.Integration.Tests.GraphQL;

/// <summary>
/// Placement decisions in the GraphQL schema over HTTP against a real DevHost: <c>personalize</c>
/// answers what <c>GET /api/v1/personalize</c> answers, refuses bad placement keys naming the
/// argument as REST does, and keeps a customer token to its own customer.
/// </summary>
public sealed class GraphQLPersonalizeTests(PersonalizationHostFactory host) : IClassFixture<PersonalizationHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private static string Suffix() => Guid.NewGuid().ToString("n")[..8];

    private async Task<JsonObject> QueryAsync(string query, string? token = null)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? host.IssueToken(Roles.Admin));
        var response = await client
            .PostAsync("graphql", HttpAssertions.Json(new JsonObject { ["query"] = query }))
            .ShouldBeAsync(HttpStatusCode.OK);
        return await response.ReadObjectAsync();
    }

    private async Task<string> CreatePlacementAsync()
    {
        var type = await CreateBannerTypeAsync(_admin, "generic", "other");
        var key = "home-" + Suffix() + ".hero";
        await _admin
            .PostAsync("placements", HttpAssertions.Json(PlacementJson(key, type, """[{"key":"generic","entry":"generic"}]""")))
            .ShouldBeAsync(HttpStatusCode.Created);
        return key;
    }

    [Fact]
    public async Task Should_answer_the_same_decision_as_rest_for_the_same_placements()
    {
        var first = await CreatePlacementAsync();
        var second = await CreatePlacementAsync();
        var visitor = "visitor-" + Suffix();

        var rest = await (
            await _admin.GetAsync($"personalize?placements={first},{second}&anonymousId={visitor}").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var graph = await QueryAsync(
            $$"""{ personalize(placements: ["{{first}}", "{{second}}"], anonymousId: "{{visitor}}") { anonymousId segments placements { placement variant entryId reason contentType entry } } }"""
        );

        Assert.True(graph["errors"] is null, graph.ToJsonString());
        var answer = graph["data"]!["personalize"]!;
        Assert.Equal(visitor, answer["anonymousId"]!.GetValue<string>());
        var restPlacements = rest["placements"]!.AsArray();
        var graphPlacements = answer["placements"]!.AsArray();
        Assert.Equal([first, second], graphPlacements.Select(p => p!["placement"]!.GetValue<string>()));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("generic", graphPlacements[i]!["variant"]!.GetValue<string>());
            foreach (var name in new[] { "placement", "variant", "entryId", "reason", "contentType" })
            {
                Assert.Equal(restPlacements[i]![name]!.GetValue<string>(), graphPlacements[i]![name]!.GetValue<string>());
            }
            Assert.True(JsonNode.DeepEquals(restPlacements[i]!["entry"], graphPlacements[i]!["entry"]));
        }
    }

    [Theory]
    [InlineData("placements: [\"Not A Key\"]", "placements", "key")]
    [InlineData("placements: []", "placements", "required")]
    [InlineData("placements: [\"nowhere.hero\"]", "placements", "unknown-placement")]
    [InlineData("placements: [\"home.hero\"], customerId: \"a\", anonymousId: \"b\"", "anonymousId", "exclusive")]
    public async Task Should_refuse_bad_arguments_naming_them_as_rest_does(string arguments, string argument, string code)
    {
        var result = await QueryAsync($"{{ personalize({arguments}) {{ decisionId }} }}");

        Assert.Equal("VALIDATION_FAILED", result["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Null(result["data"]!["personalize"]);
        Assert.Contains(
            result["errors"]![0]!["extensions"]!["data"]!["errors"]!.AsArray(),
            e => e!["argument"]!.GetValue<string>() == argument && e["code"]!.GetValue<string>() == code
        );
    }

    [Fact]
    public async Task Should_keep_a_customer_token_to_its_own_customer()
    {
        var key = await CreatePlacementAsync();
        var customerId = await _admin.CreateCustomerAsync("graphql-personalize");
        var customer = host.IssueToken(Roles.Customer, customerId);

        var other = await QueryAsync($$"""{ personalize(placements: ["{{key}}"], customerId: "someone-else") { decisionId } }""", customer);
        Assert.Equal("FORBIDDEN", other["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());

        var own = await QueryAsync($$"""{ personalize(placements: ["{{key}}"]) { customerId placements { variant } } }""", customer);
        Assert.True(own["errors"] is null, own.ToJsonString());
        Assert.Equal(customerId, own["data"]!["personalize"]!["customerId"]!.GetValue<string>());
        Assert.Equal("generic", own["data"]!["personalize"]!["placements"]![0]!["variant"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_take_the_request_context_of_rest_and_decide_as_rest_does()
    {
        var type = await CreateBannerTypeAsync(_admin, "desktop", "mobile-pt");
        var key = "ctx-" + Suffix() + ".hero";
        await _admin
            .PostAsync(
                "placements",
                HttpAssertions.Json(
                    PlacementJson(
                        key,
                        type,
                        """
                        [{"key":"desktop","entry":"desktop"},
                         {"key":"mobile-pt","entry":"mobile-pt","priority":9,"targeting":{"devices":["mobile"],"languages":["pt"],
                           "rule":{"field":"request.utmCampaign","op":"eq","value":"winter"}}}]
                        """
                    )
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var cases = new (string Query, string Graph, string Variant)[]
        {
            (
                "device=mobile&language=pt-PT&utm_campaign=winter",
                "device: \"mobile\", language: \"pt-PT\", utmCampaign: \"winter\"",
                "mobile-pt"
            ),
            (
                "device=desktop&language=pt-PT&utm_campaign=winter",
                "device: \"desktop\", language: \"pt-PT\", utmCampaign: \"winter\"",
                "desktop"
            ),
            (
                "device=mobile&language=pt&utm_campaign=summer&country=pt&timeZone=Europe/Lisbon&referrer=example.org&utm_source=news&utm_medium=mail&utm_term=t&utm_content=c",
                "device: \"mobile\", language: \"pt\", utmCampaign: \"summer\", country: \"pt\", timeZone: \"Europe/Lisbon\", referrer: \"example.org\", utmSource: \"news\", utmMedium: \"mail\", utmTerm: \"t\", utmContent: \"c\"",
                "desktop"
            ),
        };
        foreach (var (rest, graph, variant) in cases)
        {
            var visitor = "visitor-" + Suffix();
            var restAnswer = await (
                await _admin.GetAsync($"personalize?placements={key}&anonymousId={visitor}&{rest}").ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync();
            var graphAnswer = await QueryAsync(
                $$"""{ personalize(placements: ["{{key}}"], anonymousId: "{{visitor}}", {{graph}}) { placements { variant reason matched entryId } } }"""
            );
            Assert.True(graphAnswer["errors"] is null, graphAnswer.ToJsonString());
            var fromRest = restAnswer["placements"]![0]!;
            var fromGraph = graphAnswer["data"]!["personalize"]!["placements"]![0]!;
            Assert.Equal(variant, fromGraph["variant"]!.GetValue<string>());
            foreach (var name in new[] { "variant", "reason", "entryId" })
            {
                Assert.Equal(fromRest[name]!.GetValue<string>(), fromGraph[name]!.GetValue<string>());
            }
            Assert.True(JsonNode.DeepEquals(fromRest["matched"], fromGraph["matched"]), $"{fromRest["matched"]} vs {fromGraph["matched"]}");
        }

        // Without arguments the context comes from the headers, as for REST.
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.IssueToken(Roles.Admin));
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("pt-BR");
        var fromHeaders = await (
            await client
                .PostAsync(
                    "graphql",
                    HttpAssertions.Json(
                        new JsonObject
                        {
                            ["query"] =
                                $$"""{ personalize(placements: ["{{key}}"], utmCampaign: "winter") { placements { variant matched } } }""",
                        }
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.True(fromHeaders["errors"] is null, fromHeaders.ToJsonString());
        Assert.Equal("mobile-pt", fromHeaders["data"]!["personalize"]!["placements"]![0]!["variant"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_bad_context_values_naming_the_arguments_as_rest_checks_them()
    {
        var key = await CreatePlacementAsync();
        var tooLong = new string('w', 257);
        var result = await QueryAsync(
            $$"""{ personalize(placements: ["{{key}}"], device: "watch", country: "Portugal", timeZone: "Mars/Base", language: "português", utmCampaign: "{{tooLong}}") { decisionId } }"""
        );

        Assert.Equal("VALIDATION_FAILED", result["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Null(result["data"]!["personalize"]);
        var named = result["errors"]![0]!["extensions"]!["data"]!["errors"]!
            .AsArray()
            .Select(e => e!["argument"]!.GetValue<string>())
            .Order();
        Assert.Equal(["country", "device", "language", "timeZone", "utmCampaign"], named);

        var rest = await _admin.GetAsync(
            $"personalize?placements={key}&device=watch&country=Portugal&timeZone=Mars/Base&language=portugu%C3%AAs&utm_campaign={tooLong}"
        );
        var problem = await rest.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(["country", "device", "language", "timeZone", "utm_campaign"], problem.Errors().Select(e => e.Path).Order());
    }
}
