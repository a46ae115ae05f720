using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;

namespace Cx.Integration.Tests.Flags;

/// <summary>
/// The OpenFeature Remote Evaluation Protocol over HTTP against the DevHost: the stock npm
/// OpenFeature server SDK with its OFREP provider evaluates Cx flags, pointed at <c>{host}/api</c>;
/// the bulk evaluation answers an ETag and 304.
/// </summary>
public sealed class OfrepTests(SegmentsHostFactory host) : IClassFixture<SegmentsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static string Key(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private async Task CreateAndPublishAsync(string json, string key)
    {
        await _client.PostAsync("flags", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);
        await _client.PostAsync($"flags/{key}/publish", null).ShouldBeAsync(HttpStatusCode.OK);
    }

    private async Task<string> EvaluateKeyAsync()
    {
        var body = new JsonObject { ["name"] = "ofrep", ["scopes"] = new JsonArray(Permissions.FlagsEvaluate) };
        var response = await _client.PostAsync("api-keys", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.Created);
        return (await response.ReadObjectAsync())["secret"]!.GetValue<string>();
    }

    /// <summary>The OFREP base URL a stock provider is given: the API root without <c>/v1</c>.</summary>
    private Uri OfrepBase => new(_client.BaseAddress!, "..");

    [Fact]
    public async Task Should_be_evaluated_by_the_stock_openfeature_ofrep_provider()
    {
        var gold = Key("ofrep-gold");
        var banner = Key("ofrep-banner");
        var rollout = Key("ofrep-rollout");
        await CreateAndPublishAsync(
            $$$$"""
            {"key":"{{{{gold}}}}","name":"Gold","valueType":"boolean","enabled":true,"offVariation":"off",
             "variations":[{"key":"on","value":true},{"key":"off","value":false}],
             "rules":[{"criteria":{"field":"loyaltyTier","op":"eq","value":"gold"},"serve":{"variation":"on"}}],
             "fallthrough":{"variation":"off"}}
            """,
            gold
        );
        await CreateAndPublishAsync(
            $$$$"""
            {"key":"{{{{banner}}}}","name":"Banner","valueType":"json","enabled":true,"offVariation":"plain",
             "variations":[{"key":"plain","value":{"color":"grey"}},{"key":"bold","value":{"color":"red","size":2}}],
             "fallthrough":{"variation":"bold"}}
            """,
            banner
        );
        await CreateAndPublishAsync(
            $$$$"""
            {"key":"{{{{rollout}}}}","name":"Rollout","valueType":"string","enabled":true,"offVariation":"a",
             "variations":[{"key":"a","value":"A"},{"key":"b","value":"B"}],
             "fallthrough":{"rollout":{"weights":[{"variation":"a","weight":5000},{"variation":"b","weight":5000}]}}}
            """,
            rollout
        );
        var requests = new JsonArray(
            Request(gold, "boolean", false, new JsonObject { ["targetingKey"] = "ana", ["loyaltyTier"] = "gold" }),
            Request(gold, "boolean", true, new JsonObject { ["targetingKey"] = "ana", ["loyaltyTier"] = "silver" }),
            Request(banner, "object", new JsonObject(), new JsonObject { ["targetingKey"] = "ana" }),
            Request(rollout, "string", "default", new JsonObject { ["targetingKey"] = "unit-42" }),
            Request(rollout, "string", "default", new JsonObject()),
            Request("no-such-flag", "boolean", true, new JsonObject { ["targetingKey"] = "ana" }),
            Request(gold, "string", "wrong-type", new JsonObject { ["targetingKey"] = "ana" }),
            Request(gold, "boolean", false, new JsonObject { ["targetingKey"] = "not an id!" })
        );

        var (exit, output, error) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Flags/ofrep-client.mjs",
            [OfrepBase.ToString().TrimEnd('/'), await EvaluateKeyAsync()],
            requests.ToJsonString()
        );

        Assert.True(exit == 0, error);
        var results = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(
            (true, "on", "TARGETING_MATCH"),
            (results[0]!["value"]!.GetValue<bool>(), Text(results[0], "variant"), Text(results[0], "reason"))
        );
        Assert.Equal(1, results[0]!["flagMetadata"]!["version"]!.GetValue<int>());
        Assert.Equal(
            (false, "off", "DEFAULT"),
            (results[1]!["value"]!.GetValue<bool>(), Text(results[1], "variant"), Text(results[1], "reason"))
        );
        Assert.Equal("red", results[2]!["value"]!["color"]!.GetValue<string>());
        var expected = Cx.Core.Flags.FlagBuckets.Bucket(rollout, "unit-42") < 5000 ? "A" : "B";
        Assert.Equal((expected, "SPLIT"), (results[3]!["value"]!.GetValue<string>(), Text(results[3], "reason")));
        Assert.Equal(("default", "TARGETING_KEY_MISSING"), (results[4]!["value"]!.GetValue<string>(), Text(results[4], "errorCode")));
        Assert.Equal((true, "FLAG_NOT_FOUND"), (results[5]!["value"]!.GetValue<bool>(), Text(results[5], "errorCode")));
        Assert.Equal(("wrong-type", "TYPE_MISMATCH"), (results[6]!["value"]!.GetValue<string>(), Text(results[6], "errorCode")));
        Assert.Equal((false, "INVALID_CONTEXT"), (results[7]!["value"]!.GetValue<bool>(), Text(results[7], "errorCode")));
    }

    private static string? Text(JsonNode? node, string name) => node?[name]?.GetValue<string>();

    private static JsonObject Request(string flag, string type, JsonNode defaultValue, JsonObject context) =>
        new()
        {
            ["flag"] = flag,
            ["type"] = type,
            ["default"] = defaultValue,
            ["context"] = context,
        };

    [Fact]
    public async Task Should_answer_the_bulk_evaluation_with_an_etag_and_304()
    {
        var key = Key("ofrep-bulk");
        await CreateAndPublishAsync(
            $$$$"""
            {"key":"{{{{key}}}}","name":"Bulk","valueType":"number","enabled":true,"offVariation":"one",
             "variations":[{"key":"one","value":1},{"key":"two","value":2}],"fallthrough":{"variation":"two"}}
            """,
            key
        );
        using var ofrep = new HttpClient { BaseAddress = OfrepBase };
        ofrep.DefaultRequestHeaders.Add("X-Api-Key", await EvaluateKeyAsync());
        var first = await ofrep
            .PostAsync("ofrep/v1/evaluate/flags", HttpAssertions.Json("""{"context":{"targetingKey":"ana"}}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        var etag = first.Headers.ETag!;
        var flags = (await first.ReadObjectAsync())["flags"]!.AsArray();
        var mine = flags.Single(f => f!["key"]!.GetValue<string>() == key)!;
        Assert.Equal((2, "two", "DEFAULT"), (mine["value"]!.GetValue<int>(), Text(mine, "variant"), Text(mine, "reason")));

        using var again = new HttpRequestMessage(HttpMethod.Post, "ofrep/v1/evaluate/flags")
        {
            Content = HttpAssertions.Json("""{"context":{"targetingKey":"ana"}}"""),
        };
        again.Headers.IfNoneMatch.Add(etag);
        var notModified = await ofrep.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);

        // Another context, or a change of a published flag, is another answer.
        var other = await ofrep.PostAsync("ofrep/v1/evaluate/flags", HttpAssertions.Json("""{"context":{"targetingKey":"bob"}}"""));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        await _client
            .PutAsync(
                $"flags/{key}",
                HttpAssertions.Json(
                    $$$$"""
                    {"key":"{{{{key}}}}","name":"Bulk","valueType":"number","enabled":true,"offVariation":"one",
                     "variations":[{"key":"one","value":1},{"key":"two","value":2}],"fallthrough":{"variation":"one"}}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        await _client.PostAsync($"flags/{key}/publish", null).ShouldBeAsync(HttpStatusCode.OK);
        using var changed = new HttpRequestMessage(HttpMethod.Post, "ofrep/v1/evaluate/flags")
        {
            Content = HttpAssertions.Json("""{"context":{"targetingKey":"ana"}}"""),
        };
        changed.Headers.IfNoneMatch.Add(etag);
        var fresh = await ofrep.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(etag, fresh.Headers.ETag);
    }

    [Fact]
    public async Task Should_answer_a_segment_membership_or_targeting_change_on_the_next_bulk_evaluation()
    {
        var segment = Key("ofrep-gold-members");
        await _client.CreateSegmentAsync(segment, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        var customer = await _client.CreateCustomerAsync("ofrepseg", "\"loyaltyTier\":\"silver\"");
        var key = Key("ofrep-seg");
        await CreateAndPublishAsync(
            $$$$"""
            {"key":"{{{{key}}}}","name":"Members","valueType":"number","enabled":true,"offVariation":"zero",
             "variations":[{"key":"zero","value":0},{"key":"ten","value":10},{"key":"five","value":5}],
             "rules":[{"criteria":{"field":"loyaltyTier","op":"eq","value":"platinum"},"serve":{"variation":"five"}},
                      {"segments":["{{{{segment}}}}"],"serve":{"variation":"ten"}}],
             "fallthrough":{"variation":"zero"}}
            """,
            key
        );
        using var ofrep = new HttpClient { BaseAddress = OfrepBase };
        ofrep.DefaultRequestHeaders.Add("X-Api-Key", await EvaluateKeyAsync());
        async Task<(HttpStatusCode Status, EntityTagHeaderValue? ETag, JsonNode? Mine)> BulkAsync(
            string context,
            EntityTagHeaderValue? ifNoneMatch = null
        )
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "ofrep/v1/evaluate/flags")
            {
                Content = HttpAssertions.Json($$"""{"context":{{context}}}"""),
            };
            if (ifNoneMatch is not null)
            {
                request.Headers.IfNoneMatch.Add(ifNoneMatch);
            }
            var response = await ofrep.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, response.Headers.ETag, null);
            }
            var flags = (await response.ReadObjectAsync())["flags"]!.AsArray();
            return (response.StatusCode, response.Headers.ETag, flags.Single(f => f!["key"]!.GetValue<string>() == key));
        }
        var unit = $$"""{"targetingKey":"{{customer}}"}""";
        var (_, before, mine) = await BulkAsync(unit);
        Assert.Equal((0, "zero", "DEFAULT"), (mine!["value"]!.GetValue<int>(), Text(mine, "variant"), Text(mine, "reason")));
        Assert.Equal(HttpStatusCode.NotModified, (await BulkAsync(unit, before)).Status);

        // A targeting attribute of the context: another answer and another ETag at once.
        var (status, platinumTag, platinum) = await BulkAsync($$"""{"targetingKey":"{{customer}}","loyaltyTier":"platinum"}""", before);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((5, "TARGETING_MATCH"), (platinum!["value"]!.GetValue<int>(), Text(platinum, "reason")));
        Assert.NotEqual(before, platinumTag);

        // The stored profile joins the segment: the next bulk evaluation serves the segment's variation.
        using (
            var patch = new HttpRequestMessage(HttpMethod.Patch, $"customers/{customer}")
            {
                Content = HttpAssertions.Json("""{"loyaltyTier":"gold"}""", "application/merge-patch+json"),
            }
        )
        {
            await _client.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);
        }
        await SegmentApi.UntilAsync(async () => (await _client.SegmentsOfAsync(customer)).Contains(segment), "the segment membership");
        var (joined, memberTag, member) = await BulkAsync(unit, before);
        Assert.Equal(HttpStatusCode.OK, joined);
        Assert.Equal((10, "ten", "TARGETING_MATCH"), (member!["value"]!.GetValue<int>(), Text(member, "variant"), Text(member, "reason")));
        Assert.NotEqual(before, memberTag);
        Assert.Equal(HttpStatusCode.NotModified, (await BulkAsync(unit, memberTag)).Status);

        // A published targeting change (the segment rule now serves five) is visible on the next request.
        await _client
            .PutAsync(
                $"flags/{key}",
                HttpAssertions.Json(
                    $$$$"""
                    {"key":"{{{{key}}}}","name":"Members","valueType":"number","enabled":true,"offVariation":"zero",
                     "variations":[{"key":"zero","value":0},{"key":"ten","value":10},{"key":"five","value":5}],
                     "rules":[{"segments":["{{{{segment}}}}"],"serve":{"variation":"five"}}],
                     "fallthrough":{"variation":"zero"}}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        await _client.PostAsync($"flags/{key}/publish", null).ShouldBeAsync(HttpStatusCode.OK);
        var (republished, _, changed) = await BulkAsync(unit, memberTag);
        Assert.Equal(HttpStatusCode.OK, republished);
        Assert.Equal((5, "five"), (changed!["value"]!.GetValue<int>(), Text(changed, "variant")));
    }

    /// <summary>
    /// The exposure cache (ADR 0475) over HTTP: units first evaluated with no exposure document (kept
    /// in memory as such), then placed by a single evaluation (another request) or by a bulk one, keep
    /// their variation on the next bulk evaluation after the rollout is lowered to nobody.
    /// </summary>
    [Fact]
    public async Task Should_answer_a_placement_stored_by_another_request_on_the_next_bulk_evaluation()
    {
        var key = Key("ofrep-sticky");
        string Rollout(int coverage) =>
            $$$$"""
                {"key":"{{{{key}}}}","name":"Sticky","valueType":"boolean","enabled":true,"offVariation":"off",
                 "variations":[{"key":"on","value":true},{"key":"off","value":false}],
                 "fallthrough":{"rollout":{"coverage":{{{{coverage}}}},"weights":[{"variation":"on","weight":10000}]}}}
                """;
        async Task RolloutAsync(int coverage)
        {
            await _client.PutAsync($"flags/{key}", HttpAssertions.Json(Rollout(coverage))).ShouldBeAsync(HttpStatusCode.OK);
            await _client.PostAsync($"flags/{key}/publish", null).ShouldBeAsync(HttpStatusCode.OK);
        }
        async Task<string> BulkAsync(string unit)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "../ofrep/v1/evaluate/flags")
            {
                Content = HttpAssertions.Json($$$"""{"context":{"targetingKey":"{{{unit}}}"}}"""),
            };
            var response = await _client.SendAsync(request).ShouldBeAsync(HttpStatusCode.OK);
            var flags = (await response.ReadObjectAsync())["flags"]!.AsArray();
            return Text(flags.Single(f => f!["key"]!.GetValue<string>() == key), "variant")!;
        }
        await CreateAndPublishAsync(Rollout(0), key);
        var bySingle = "sticky-a-" + Guid.NewGuid().ToString("n")[..8];
        var byBulk = "sticky-b-" + Guid.NewGuid().ToString("n")[..8];
        foreach (var unit in (string[])[bySingle, byBulk, bySingle, byBulk])
        {
            Assert.Equal("off", await BulkAsync(unit)); // nobody is covered yet: no placement of this flag stored
        }

        await RolloutAsync(10000);
        var single = await (
            await _client
                .PostAsync($"flags/{key}/evaluate", HttpAssertions.Json($$$"""{"context":{"targetingKey":"{{{bySingle}}}"}}"""))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(("on", "SPLIT"), (Text(single, "variant"), Text(single, "reason")));
        Assert.Equal("on", await BulkAsync(byBulk));

        // Nobody is covered any more: both units keep what another request stored, on every later request.
        await RolloutAsync(0);
        foreach (var unit in (string[])[bySingle, byBulk, bySingle, byBulk])
        {
            Assert.Equal("on", await BulkAsync(unit));
        }
        Assert.Equal("off", await BulkAsync("sticky-new-" + Guid.NewGuid().ToString("n")[..8]));
    }

    [Fact]
    public async Task Should_answer_ofrep_failures_as_problem_json_with_the_ofrep_error_code()
    {
        using var ofrep = new HttpClient { BaseAddress = OfrepBase };
        ofrep.DefaultRequestHeaders.Add("X-Api-Key", await EvaluateKeyAsync());
        var missing = await (await ofrep.PostAsync("ofrep/v1/evaluate/flags/no-such-flag", HttpAssertions.Json("{}"))).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
        Assert.Equal(("no-such-flag", "FLAG_NOT_FOUND"), (Text(missing, "key"), Text(missing, "errorCode")));
        var malformed = await (await ofrep.PostAsync("ofrep/v1/evaluate/flags", HttpAssertions.Json("{\"context\":"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "malformed-json"
        );
        Assert.Equal("PARSE_ERROR", Text(malformed, "errorCode"));
        var badContext = await (
            await ofrep.PostAsync("ofrep/v1/evaluate/flags", HttpAssertions.Json("""{"context":{"targetingKey":7}}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal("INVALID_CONTEXT", Text(badContext, "errorCode"));
        Assert.Contains(("pointer", "/context/targetingKey", "targeting-key"), badContext.Errors());
        using var anonymous = new HttpClient { BaseAddress = OfrepBase };
        Assert.Equal(
            HttpStatusCode.Unauthorized,
            (await anonymous.PostAsync("ofrep/v1/evaluate/flags", HttpAssertions.Json("{}"))).StatusCode
        );
    }
}
