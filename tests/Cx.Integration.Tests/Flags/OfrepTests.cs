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
