using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Flags;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;

namespace Cx.Integration.Tests.Flags;

/// <summary>Feature flags over HTTP against the DevHost: drafts, publishing, history, audit, targeting, rollouts and bad input.</summary>
public sealed class FlagApiTests(SegmentsHostFactory host) : IClassFixture<SegmentsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static string Key(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private const string Variations = """[{"key":"on","value":true},{"key":"off","value":false}]""";

    private static string GoldFlag(string key, string fallthrough = "off") =>
        $$$$"""
            {"key":"{{{{key}}}}","name":"Gold only","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{Variations}}}},
             "rules":[{"criteria":{"field":"loyaltyTier","op":"eq","value":"gold"},"serve":{"variation":"on"}}],
             "fallthrough":{"variation":"{{{{fallthrough}}}}"}}
            """;

    private static string RolloutFlag(string key, int coverage) =>
        $$$$"""
            {"key":"{{{{key}}}}","name":"Rollout","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{Variations}}}},
             "fallthrough":{"rollout":{"coverage":{{{{coverage}}}},"weights":[{"variation":"on","weight":10000}]}}}
            """;

    private async Task<JsonObject> CreateAsync(string json) =>
        await (await _client.PostAsync("flags", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created)).ReadObjectAsync();

    private async Task<JsonObject> PublishAsync(string key) =>
        await (await _client.PostAsync($"flags/{key}/publish", null).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();

    private async Task ReplaceAsync(string key, string json) =>
        await _client.PutAsync($"flags/{key}", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.OK);

    private Task<HttpResponseMessage> EvaluateAsync(string key, string context) =>
        _client.PostAsync($"flags/{key}/evaluate", HttpAssertions.Json($$$$"""{"context":{{{{context}}}}}"""));

    private async Task<JsonObject> EvaluateOkAsync(string key, string context) =>
        await (await EvaluateAsync(key, context).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();

    [Fact]
    public async Task Should_serve_only_the_published_release_and_keep_every_release()
    {
        var key = Key("gold");
        var created = await CreateAsync(GoldFlag(key));
        Assert.Null(created["published"]);
        await (await EvaluateAsync(key, """{"targetingKey":"c1"}""")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var published = await PublishAsync(key);
        Assert.Equal(1, published["published"]!["version"]!.GetValue<int>());
        var gold = await EvaluateOkAsync(key, """{"targetingKey":"c1","loyaltyTier":"gold"}""");
        Assert.Equal(
            (true, "on", "TARGETING_MATCH", 1),
            (
                gold["value"]!.GetValue<bool>(),
                gold["variant"]!.GetValue<string>(),
                gold["reason"]!.GetValue<string>(),
                gold["version"]!.GetValue<int>()
            )
        );
        Assert.Equal(FlagBuckets.Bucket(key, "c1"), gold["bucket"]!.GetValue<int>());
        var silver = await EvaluateOkAsync(key, """{"targetingKey":"c1","loyaltyTier":"silver"}""");
        Assert.Equal(("off", "DEFAULT"), (silver["variant"]!.GetValue<string>(), silver["reason"]!.GetValue<string>()));

        // A saved draft changes nothing until it is published.
        await ReplaceAsync(key, GoldFlag(key, fallthrough: "on"));
        Assert.Equal("off", (await EvaluateOkAsync(key, """{"loyaltyTier":"silver"}"""))["variant"]!.GetValue<string>());
        Assert.Equal(2, (await PublishAsync(key))["published"]!["version"]!.GetValue<int>());
        Assert.Equal("on", (await EvaluateOkAsync(key, """{"loyaltyTier":"silver"}"""))["variant"]!.GetValue<string>());

        // Publishing an unchanged draft writes nothing.
        var again = await _client.PostAsync($"flags/{key}/publish", null).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(2, (await again.ReadObjectAsync())["published"]!["version"]!.GetValue<int>());

        var versions = await _client.GetObjectAsync($"flags/{key}/versions");
        Assert.Equal([2, 1], versions["items"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal("on", versions["items"]![0]!["flag"]!["fallthrough"]!["variation"]!.GetValue<string>());
        Assert.Equal("off", versions["items"]![1]!["flag"]!["fallthrough"]!["variation"]!.GetValue<string>());

        var audit = await _client.GetObjectAsync($"audit?filter[targetId]={key}&limit=50");
        var actions = audit["items"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(2, actions.Count(a => a == "flag.published"));
        Assert.Equal(2, actions.Count(a => a == "flag.saved"));
    }

    [Fact]
    public async Task Should_answer_400_with_the_json_pointer_and_write_nothing()
    {
        var key = Key("bad");
        var problem = await (
            await _client.PostAsync(
                "flags",
                HttpAssertions.Json(
                    $$$$"""
                    {"key":"{{{{key}}}}","name":"Bad","valueType":"boolean","offVariation":"off","variations":{{{{Variations}}}},
                     "rules":[{"segments":["no-such-segment"],"serve":{"variation":"on"}}],
                     "fallthrough":{"rollout":{"weights":[{"variation":"on","weight":7000}]}}}
                    """
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        var errors = problem.Errors();
        Assert.Contains(("pointer", "/rules/0/segments/0", "unknown-segment"), errors);
        Assert.Contains(("pointer", "/fallthrough/rollout/weights", "sum"), errors);
        await (await _client.GetAsync($"flags/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var typed = await (
            await _client.PostAsync(
                "flags",
                HttpAssertions.Json($$$$"""{"key":"{{{{key}}}}","name":"Bad","variations":"yes","offVariation":"on"}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(typed.Errors(), e => e.Path == "/variations");
    }

    [Fact]
    public async Task Should_refuse_a_prerequisite_cycle_at_save()
    {
        var a = Key("a");
        var b = Key("b");
        await CreateAsync(GoldFlag(a));
        await CreateAsync(
            GoldFlag(b)
                .Replace(
                    "\"rules\"",
                    $$$$"""
                    "prerequisites":[{"flag":"{{{{a}}}}","variation":"on"}],"rules"
                    """.Trim(),
                    StringComparison.Ordinal
                )
        );
        var before = await _client.GetAsync($"flags/{a}");
        var problem = await (
            await _client.PutAsync(
                $"flags/{a}",
                HttpAssertions.Json(
                    GoldFlag(a)
                        .Replace(
                            "\"rules\"",
                            $$$$"""
                            "prerequisites":[{"flag":"{{{{b}}}}","variation":"on"}],"rules"
                            """.Trim(),
                            StringComparison.Ordinal
                        )
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/prerequisites/0/flag", "cycle"), problem.Errors());
        var after = await _client.GetAsync($"flags/{a}");
        Assert.Equal(before.Headers.ETag, after.Headers.ETag);

        // b names a as a prerequisite: a cannot be deleted.
        await (await _client.DeleteAsync($"flags/{a}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "flag-in-use");
    }

    [Fact]
    public async Task Should_fail_a_prerequisite_over_http()
    {
        var parent = Key("parent");
        var child = Key("child");
        await CreateAsync(GoldFlag(parent));
        await PublishAsync(parent);
        await CreateAsync(
            $$$$"""
            {"key":"{{{{child}}}}","name":"Child","valueType":"string","enabled":true,"offVariation":"plain",
             "variations":[{"key":"plain","value":"plain"},{"key":"fancy","value":"fancy"}],
             "prerequisites":[{"flag":"{{{{parent}}}}","variation":"on"}],"fallthrough":{"variation":"fancy"}}
            """
        );
        await PublishAsync(child);
        var gold = await EvaluateOkAsync(child, """{"targetingKey":"c9","loyaltyTier":"gold"}""");
        Assert.Equal(("fancy", "DEFAULT"), (gold["value"]!.GetValue<string>(), gold["reason"]!.GetValue<string>()));
        var bronze = await EvaluateOkAsync(child, """{"targetingKey":"c9","loyaltyTier":"bronze"}""");
        Assert.Equal(("plain", "PREREQUISITE_FAILED"), (bronze["value"]!.GetValue<string>(), bronze["reason"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_keep_the_variation_of_exposed_units_when_the_rollout_is_lowered()
    {
        var key = Key("rollout");
        await CreateAsync(RolloutFlag(key, 5000));
        await PublishAsync(key);
        var units = Enumerable.Range(0, 120).Select(i => $"unit-{key}-{i}").ToList();
        var exposed = new HashSet<string>();
        foreach (var unit in units.Take(60))
        {
            var result = await EvaluateOkAsync(key, $$$$"""{"targetingKey":"{{{{unit}}}}"}""");
            Assert.Equal(FlagBuckets.Bucket(key, unit) < 5000, result["variant"]!.GetValue<string>() == "on");
            if (result["variant"]!.GetValue<string>() == "on")
            {
                Assert.Equal("SPLIT", result["reason"]!.GetValue<string>());
                exposed.Add(unit);
            }
        }
        Assert.NotEmpty(exposed);

        await ReplaceAsync(key, RolloutFlag(key, 500));
        await PublishAsync(key);
        foreach (var unit in units)
        {
            var variant = (await EvaluateOkAsync(key, $$$$"""{"targetingKey":"{{{{unit}}}}"}"""))["variant"]!.GetValue<string>();
            var expected = exposed.Contains(unit) || FlagBuckets.Bucket(key, unit) < 500 ? "on" : "off";
            Assert.True(expected == variant, $"{unit} (bucket {FlagBuckets.Bucket(key, unit)}) got {variant}, expected {expected}");
        }
        Assert.Contains(units.Skip(60), u => FlagBuckets.Bucket(key, u) is >= 500 and < 5000); // a new unit the narrow rollout leaves out
    }

    [Fact]
    public async Task Should_store_every_placement_of_a_bulk_evaluation_in_one_go()
    {
        var first = Key("bulk-a");
        var second = Key("bulk-b");
        foreach (var key in (string[])[first, second])
        {
            await CreateAsync(RolloutFlag(key, 10000));
            await PublishAsync(key);
        }
        var unit = "bulk-unit-" + Guid.NewGuid().ToString("n")[..8];
        using var bulk = new HttpRequestMessage(HttpMethod.Post, "../ofrep/v1/evaluate/flags")
        {
            Content = HttpAssertions.Json($$$$"""{"context":{"targetingKey":"{{{{unit}}}}"}}"""),
        };
        var evaluated = await (await _client.SendAsync(bulk)).ReadObjectAsync();
        Assert.All(
            evaluated["flags"]!.AsArray().Where(f => f!["key"]!.GetValue<string>() is var k && (k == first || k == second)),
            f => Assert.Equal("on", f!["variant"]!.GetValue<string>())
        );

        // Nobody is covered any more, but the unit placed by the bulk evaluation keeps both placements.
        foreach (var key in (string[])[first, second])
        {
            await ReplaceAsync(key, RolloutFlag(key, 0));
            await PublishAsync(key);
            Assert.Equal("on", (await EvaluateOkAsync(key, $$$$"""{"targetingKey":"{{{{unit}}}}"}"""))["variant"]!.GetValue<string>());
            Assert.Equal("off", (await EvaluateOkAsync(key, """{"targetingKey":"someone-new"}"""))["variant"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Should_target_the_members_of_a_segment()
    {
        var segment = Key("gold-members");
        await _client.CreateSegmentAsync(segment, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        var member = await _client.CreateCustomerAsync("flaggold", "\"loyaltyTier\":\"gold\"");
        var other = await _client.CreateCustomerAsync("flagsilver", "\"loyaltyTier\":\"silver\"");
        await SegmentApi.UntilAsync(async () => (await _client.SegmentsOfAsync(member)).Contains(segment), "the member's segment");

        var key = Key("segment-flag");
        await CreateAsync(
            $$$$"""
            {"key":"{{{{key}}}}","name":"Members","valueType":"number","enabled":true,"offVariation":"zero",
             "variations":[{"key":"zero","value":0},{"key":"ten","value":10}],
             "rules":[{"segments":["{{{{segment}}}}"],"serve":{"variation":"ten"}}],"fallthrough":{"variation":"zero"}}
            """
        );
        await PublishAsync(key);
        // The context claims nothing about segments: membership is read from the stored profile.
        Assert.Equal(10, (await EvaluateOkAsync(key, $$$$"""{"targetingKey":"{{{{member}}}}"}"""))["value"]!.GetValue<int>());
        Assert.Equal(0, (await EvaluateOkAsync(key, $$$$"""{"targetingKey":"{{{{other}}}}"}"""))["value"]!.GetValue<int>());
        Assert.Equal(0, (await EvaluateOkAsync(key, """{"targetingKey":"nobody"}"""))["value"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_reject_a_bad_context()
    {
        var key = Key("ctx");
        await CreateAsync(RolloutFlag(key, 10000));
        await PublishAsync(key);
        Assert.Contains(
            ("pointer", "/context/targetingKey", "targeting-key-missing"),
            (await (await EvaluateAsync(key, "{}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
        Assert.Contains(
            ("pointer", "/context/targetingKey", "targeting-key"),
            (
                await (await EvaluateAsync(key, """{"targetingKey":42}""")).ShouldBeProblemAsync(
                    HttpStatusCode.BadRequest,
                    "validation-failed"
                )
            ).Errors()
        );
        Assert.Contains(
            ("pointer", "/context", "type"),
            (await (await EvaluateAsync(key, "[]")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
        var unknown = await (
            await _client.PostAsync($"flags/{key}/evaluate", HttpAssertions.Json("""{"contxt":{}}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/contxt", "unknown-field"), unknown.Errors());
    }

    [Fact]
    public async Task Should_pause_and_launch_from_the_flag_active_of_a_component()
    {
        var component = Key("promo");
        var type = Key("landing");
        await _client
            .PostAsync(
                "components",
                HttpAssertions.Json(
                    $$$$"""{"key":"{{{{component}}}}","displayName":"Promo","fields":[{"name":"flag_active","type":"boolean"},{"name":"title","type":"string"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    $$$$"""{"key":"{{{{type}}}}","displayName":"Landing","kind":"single","fields":[{"name":"hero","type":"component","component":"{{{{component}}}}"},{"name":"headline","type":"string"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _client
            .PutAsync($"singles/{type}", HttpAssertions.Json("""{"hero":{"flag_active":false,"title":"Winter sale"}}"""))
            .ShouldBeAsync(HttpStatusCode.Created);

        var key = Key("promo-flag");
        // The switch must be a boolean named flag_active on a component.
        var problem = await (
            await _client.PostAsync(
                "flags",
                HttpAssertions.Json(
                    GoldFlag(key, fallthrough: "on")
                        .Replace(
                            "\"rules\"",
                            $$$$"""
                            "contentSwitch":{"contentType":"{{{{type}}}}","path":"/hero/title"},"rules"
                            """.Trim(),
                            StringComparison.Ordinal
                        )
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/contentSwitch/path", "path"), problem.Errors());

        await CreateAsync(
            GoldFlag(key, fallthrough: "on")
                .Replace(
                    "\"rules\"",
                    $$$$"""
                    "contentSwitch":{"contentType":"{{{{type}}}}","path":"/hero/flag_active"},"rules"
                    """.Trim(),
                    StringComparison.Ordinal
                )
        );
        await PublishAsync(key);
        var paused = await EvaluateOkAsync(key, """{"targetingKey":"ana"}""");
        Assert.Equal(("off", "DISABLED"), (paused["variant"]!.GetValue<string>(), paused["reason"]!.GetValue<string>()));

        // An editor launches it from the content: no flag change, no publish, no deploy.
        await _client
            .PatchAsync($"singles/{type}", HttpAssertions.Json("""{"hero":{"flag_active":true}}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        var launched = await EvaluateOkAsync(key, """{"targetingKey":"ana"}""");
        Assert.Equal(
            ("on", "DEFAULT", 1),
            (launched["variant"]!.GetValue<string>(), launched["reason"]!.GetValue<string>(), launched["version"]!.GetValue<int>())
        );

        await _client
            .PatchAsync($"singles/{type}", HttpAssertions.Json("""{"hero":{"flag_active":false}}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("DISABLED", (await EvaluateOkAsync(key, """{"targetingKey":"ana"}"""))["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_delete_a_flag_with_its_history()
    {
        var key = Key("gone");
        await CreateAsync(GoldFlag(key));
        await PublishAsync(key);
        await _client.DeleteAsync($"flags/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"flags/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.GetAsync($"flags/{key}/versions")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.PostAsync($"flags/{key}/publish", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await EvaluateAsync(key, """{"targetingKey":"ana"}""")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var audit = await _client.GetObjectAsync($"audit?filter[targetId]={key}&limit=50");
        Assert.Contains(audit["items"]!.AsArray(), a => a!["action"]!.GetValue<string>() == "flag.deleted");

        // The key is free again, and the new flag starts its history at 1.
        await CreateAsync(GoldFlag(key));
        Assert.Equal(1, (await PublishAsync(key))["published"]!["version"]!.GetValue<int>());
        Assert.Single((await _client.GetObjectAsync($"flags/{key}/versions"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Should_serve_a_flag_created_again_under_a_deleted_key_as_the_new_flag()
    {
        // Same key and same version 1 as the deleted flag: the compiled set must still be rebuilt.
        var key = Key("again");
        await CreateAsync(GoldFlag(key));
        await PublishAsync(key);
        Assert.Equal("off", (await EvaluateOkAsync(key, """{"targetingKey":"ana"}"""))["variant"]!.GetValue<string>());
        await _client.DeleteAsync($"flags/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await CreateAsync(GoldFlag(key, fallthrough: "on"));
        Assert.Equal(1, (await PublishAsync(key))["published"]!["version"]!.GetValue<int>());
        Assert.Equal("on", (await EvaluateOkAsync(key, """{"targetingKey":"ana"}"""))["variant"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_stale_if_match_on_publish()
    {
        var key = Key("etag");
        var created = await _client.PostAsync("flags", HttpAssertions.Json(GoldFlag(key))).ShouldBeAsync(HttpStatusCode.Created);
        await ReplaceAsync(key, GoldFlag(key, fallthrough: "on"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"flags/{key}/publish");
        request.Headers.IfMatch.Add(created.Headers.ETag!);
        await (await _client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        await (await EvaluateAsync(key, "{}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}
