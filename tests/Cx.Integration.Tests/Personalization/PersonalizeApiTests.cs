using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.Extensions.DependencyInjection;
using static Cx.Integration.Tests.Events.EventApi;
using static Cx.Integration.Tests.Personalization.PlacementApiTests;

namespace Cx.Integration.Tests.Personalization;

/// <summary>The segments host, logging every decision.</summary>
public sealed class PersonalizationHostFactory : Cx.Integration.Tests.Infrastructure.DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:Hooks:PollMilliseconds"] = "20",
            ["Cx:Segments:JobPollSeconds"] = "1",
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Personalization:DecisionLogSampleRate"] = "1",
        };
}

/// <summary>
/// The decision endpoint over HTTP against the DevHost, with the "done means" cases: a purchase
/// moves a customer into a segment and the next call serves that segment's variant; a content edit is
/// served on the next call; a holdout customer keeps control after the rules change.
/// </summary>
public sealed class PersonalizeApiTests(PersonalizationHostFactory host) : IClassFixture<PersonalizationHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private static string Suffix() => Guid.NewGuid().ToString("n")[..8];

    private async Task<string> CreatePlacementAsync(string type, string variants, string extra = "")
    {
        var key = "home-" + Suffix() + ".hero";
        await _admin
            .PostAsync("placements", HttpAssertions.Json(PlacementJson(key, type, variants, extra)))
            .ShouldBeAsync(HttpStatusCode.Created);
        return key;
    }

    internal static async Task<JsonObject> DecideAsync(HttpClient client, string query) =>
        await (await client.GetAsync("personalize?" + query).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();

    internal static JsonObject Only(JsonObject answer) => answer["placements"]!.AsArray().Single()!.AsObject();

    /// <summary>
    /// Polls the decision until <paramref name="served"/> holds and asserts it took under a second: the
    /// change reached the cache by tag (the hook, or this instance's own write), not by expiry.
    /// </summary>
    internal static async Task<JsonObject> WithinASecondAsync(HttpClient client, string query, Func<JsonObject, bool> served, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var answer = Only(await DecideAsync(client, query));
            if (served(answer))
            {
                return answer;
            }
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            Assert.True(
                elapsed < TimeSpan.FromSeconds(1),
                $"Still not served after {elapsed.TotalMilliseconds:0} ms: {what}. Last: {answer.ToJsonString()}"
            );
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Should_serve_the_segment_variant_on_the_next_call_after_a_purchase_moves_the_customer_in()
    {
        var segment = "spenders-" + Suffix();
        await _admin.CreateSegmentAsync(
            segment,
            """{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}"""
        );
        var type = await CreateBannerTypeAsync(_admin, "generic", "vip");
        var key = await CreatePlacementAsync(
            type,
            $$$"""[{"key":"generic","entry":"generic"},{"key":"vip","entry":"vip","priority":10,"targeting":{"segments":["{{{segment}}}"]}}]"""
        );
        var customer = await _admin.CreateCustomerAsync("shopper");
        var self = host.CreateClientFor(Roles.Customer, customer);

        var before = Only(await DecideAsync(self, $"placements={key}"));
        Assert.Equal("generic", before["variant"]!.GetValue<string>());
        Assert.Equal("Title generic", before["entry"]!["title"]!.GetValue<string>());

        await _admin.PostEventsAsync(
            Event("purchase", customer, null, TimeProvider.System.GetUtcNow(), "o-1", new JsonObject { ["amount"] = 620 })
        );
        await SegmentApi.UntilAsync(
            async () => (await _admin.SegmentsOfAsync(customer)).Contains(segment),
            "the purchase to move the customer in"
        );

        await WithinASecondAsync(self, $"placements={key}", a => a["variant"]!.GetValue<string>() == "vip", "the segment's variant");
        var answer = await DecideAsync(self, $"placements={key}");
        var after = Only(answer);
        Assert.Equal("vip", after["variant"]!.GetValue<string>());
        Assert.Equal("vip", after["entryId"]!.GetValue<string>());
        Assert.Equal("matched", after["reason"]!.GetValue<string>());
        Assert.Equal("firstMatch", after["strategy"]!.GetValue<string>());
        Assert.Equal(["segment:" + segment], after["matched"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(customer, answer["customerId"]!.GetValue<string>());
        Assert.Contains(segment, answer["segments"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(answer["decisionId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_serve_a_content_edit_within_a_second()
    {
        var type = await CreateBannerTypeAsync(_admin, "only");
        var key = await CreatePlacementAsync(type, """[{"key":"only","entry":"only"}]""");
        Assert.Equal("Title only", Only(await DecideAsync(_admin, $"placements={key}"))["entry"]!["title"]!.GetValue<string>());

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"content/{type}/only")
        {
            Content = HttpAssertions.Json("""{"title":"Winter sale"}""", "application/merge-patch+json"),
        };
        await _admin.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);

        await WithinASecondAsync(
            _admin,
            $"placements={key}",
            a => a["entry"]!["title"]!.GetValue<string>() == "Winter sale",
            "the edited title"
        );
    }

    [Fact]
    public async Task Should_keep_a_holdout_customer_on_control_after_the_rules_change()
    {
        var type = await CreateBannerTypeAsync(_admin, "control", "promo");
        var variants = """[{"key":"control","entry":"control"},{"key":"promo","entry":"promo","priority":5}]""";
        var key = await CreatePlacementAsync(type, variants, ""","holdout":{"percent":50,"variant":"control"}""");
        string? held = null;
        string? exposed = null;
        for (var i = 0; i < 40 && (held is null || exposed is null); i++)
        {
            var customer = await _admin.CreateCustomerAsync("holdout");
            var decision = Only(await DecideAsync(host.CreateClientFor(Roles.Customer, customer), $"placements={key}"));
            if (decision["holdout"]!.GetValue<bool>())
            {
                Assert.Equal("control", decision["variant"]!.GetValue<string>());
                Assert.Equal("holdout", decision["reason"]!.GetValue<string>());
                held ??= customer;
            }
            else
            {
                Assert.Equal("promo", decision["variant"]!.GetValue<string>());
                exposed ??= customer;
            }
        }
        Assert.NotNull(held);
        Assert.NotNull(exposed);

        // The rules change: promo now targets everyone at a higher priority, and the control group shrinks to 1 %.
        var current = await _admin.GetAsync($"placements/{key}").ShouldBeAsync(HttpStatusCode.OK);
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"placements/{key}"))
        {
            put.Content = HttpAssertions.Json(
                PlacementJson(
                    key,
                    type,
                    """[{"key":"control","entry":"control"},{"key":"promo","entry":"promo","priority":50}]""",
                    ""","holdout":{"percent":1,"variant":"control"}"""
                )
            );
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            await _admin.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
        }

        var kept = Only(await DecideAsync(host.CreateClientFor(Roles.Customer, held!), $"placements={key}"));
        Assert.Equal("control", kept["variant"]!.GetValue<string>());
        Assert.True(kept["holdout"]!.GetValue<bool>());
        Assert.Equal(2, kept["version"]!.GetValue<int>());
        var stillOut = Only(await DecideAsync(host.CreateClientFor(Roles.Customer, exposed!), $"placements={key}"));
        Assert.Equal("promo", stillOut["variant"]!.GetValue<string>());

        // Deleting the customer deletes the assignments kept beside the profile.
        var store = host.Services.GetRequiredService<Cx.Core.Documents.IDocumentStore>();
        var assignments = new Cx.Core.Documents.DocumentKey(held!, held + ".personalization");
        Assert.NotNull(await store.ReadAsync("customers", assignments, CancellationToken.None));
        await _admin.DeleteAsync($"customers/{held}").ShouldBeAsync(HttpStatusCode.NoContent);
        await SegmentApi.UntilAsync(
            async () => await store.ReadAsync("customers", assignments, CancellationToken.None) is null,
            "the erasure of the holdout assignments"
        );
    }

    [Fact]
    public async Task Should_decide_for_anonymous_visitors_by_context_and_keep_customers_to_themselves()
    {
        var type = await CreateBannerTypeAsync(_admin, "desktop", "mobile-pt");
        var key = await CreatePlacementAsync(
            type,
            """
            [{"key":"desktop","entry":"desktop"},
             {"key":"mobile-pt","entry":"mobile-pt","priority":9,"targeting":{"devices":["mobile"],"languages":["pt"],
               "rule":{"field":"request.utmCampaign","op":"eq","value":"winter"}}}]
            """
        );
        var reader = host.CreateClientFor(Roles.Editor);
        var anonymous = Only(
            await DecideAsync(reader, $"placements={key}&anonymousId=web-1&device=mobile&language=pt-PT&utm_campaign=winter")
        );
        Assert.Equal("mobile-pt", anonymous["variant"]!.GetValue<string>());
        Assert.Equal(["language:pt", "device:mobile", "rule"], anonymous["matched"]!.AsArray().Select(m => m!.GetValue<string>()));

        using (var headers = new HttpRequestMessage(HttpMethod.Get, $"personalize?placements={key}&utm_campaign=winter"))
        {
            headers.Headers.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
            headers.Headers.AcceptLanguage.ParseAdd("pt-BR");
            var fromHeaders = Only(await (await reader.SendAsync(headers).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync());
            Assert.Equal("mobile-pt", fromHeaders["variant"]!.GetValue<string>());
        }
        Assert.Equal(
            "desktop",
            Only(await DecideAsync(reader, $"placements={key}&device=desktop&utm_campaign=winter"))["variant"]!.GetValue<string>()
        );

        // An editor holds no customers:read, so it cannot name a customer; a customer only itself.
        var customer = await _admin.CreateCustomerAsync("private");
        await (await reader.GetAsync($"personalize?placements={key}&customerId={customer}")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var other = host.CreateClientFor(Roles.Customer, "someone-else");
        await (await other.GetAsync($"personalize?placements={key}&customerId={customer}")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        // The server-to-server form: a caller with customers:read names the customer.
        var marketer = host.CreateClientFor(Roles.Marketer);
        Assert.Equal(customer, (await DecideAsync(marketer, $"placements={key}&customerId={customer}"))["customerId"]!.GetValue<string>());
        await (await marketer.GetAsync($"personalize?placements={key}&customerId=no-such-customer")).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
    }

    [Fact]
    public async Task Should_answer_bad_queries_with_the_parameter_and_select_fields()
    {
        var type = await CreateBannerTypeAsync(_admin, "one");
        var key = await CreatePlacementAsync(type, """[{"key":"one","entry":"one"}]""");
        var unknown = await (await _admin.GetAsync($"personalize?placements={key},nothing.here")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", "placements", "unknown-placement"), unknown.Errors());
        var bad = await (
            await _admin.GetAsync($"personalize?placements={key}&device=watch&country=Portugal&timeZone=Mars/Base&colour=red")
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("parameter", "colour", "unknown-parameter"), bad.Errors());
        var badValues = await (
            await _admin.GetAsync($"personalize?placements={key}&device=watch&country=Portugal&timeZone=Mars/Base")
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(["country", "device", "timeZone"], badValues.Errors().Select(e => e.Path).Order());
        await (await _admin.GetAsync("personalize")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        var wrongField = await (await _admin.GetAsync($"personalize?placements={key}&fields=colour")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", "fields", "unknown-field"), wrongField.Errors());

        var entry = Only(await DecideAsync(_admin, $"placements={key}&fields=title"))["entry"]!.AsObject();
        Assert.Equal(["id", "title"], entry.Select(p => p.Key).Order());
    }

    [Fact]
    public async Task Should_never_serve_a_variant_whose_entry_fails_its_type_or_is_gone()
    {
        var type = await CreateBannerTypeAsync(_admin, "safe", "risky");
        var key = await CreatePlacementAsync(
            type,
            """[{"key":"safe","entry":"safe"},{"key":"risky","entry":"risky","priority":9}]""",
            ""","fallback":"safe" """
        );
        Assert.Equal("risky", Only(await DecideAsync(_admin, $"placements={key}"))["variant"]!.GetValue<string>());

        await _admin.DeleteAsync($"content/{type}/risky").ShouldBeAsync(HttpStatusCode.NoContent);
        await WithinASecondAsync(
            _admin,
            $"placements={key}",
            a => a["variant"]?.GetValue<string>() == "safe",
            "the fallback once the entry is gone"
        );

        // The type's title shrinks to 3 characters: no stored entry is valid any more, nothing is served.
        var current = await _admin.GetAsync($"content-types/{type}").ShouldBeAsync(HttpStatusCode.OK);
        var definition = await current.ReadObjectAsync();
        var fields = definition["fields"]!.AsArray();
        fields[0]!["maxLength"] = 3;
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"content-types/{type}"))
        {
            put.Content = HttpAssertions.Json(
                new JsonObject
                {
                    ["key"] = type,
                    ["displayName"] = "Banner",
                    ["fields"] = fields.DeepClone(),
                }
            );
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            await _admin.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
        }
        var none = await WithinASecondAsync(
            _admin,
            $"placements={key}",
            a => a["reason"]!.GetValue<string>() == "none",
            "nothing once no entry is valid"
        );
        Assert.Equal("none", none["reason"]!.GetValue<string>());
        Assert.Null(none["entry"]);
        Assert.Null(none["variant"]);
    }

    [Fact]
    public async Task Should_record_one_exposure_a_day_log_decisions_and_preview_without_recording()
    {
        var segment = "preview-" + Suffix();
        var type = await CreateBannerTypeAsync(_admin, "base", "gold");
        var key = await CreatePlacementAsync(
            type,
            $$$$"""[{"key":"base","entry":"base"},{"key":"gold","entry":"gold","priority":3,"targeting":{"segments":["{{{{segment}}}}"],"rule":{"field":"loyaltyTier","op":"eq","value":"gold"}}}]"""
        );
        var customer = await _admin.CreateCustomerAsync("exposed");
        var self = host.CreateClientFor(Roles.Customer, customer);
        var decisionIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            decisionIds.Add((await DecideAsync(self, $"placements={key}"))["decisionId"]!.GetValue<string>());
        }
        await _admin.WaitForProcessingAsync();
        var timeline = await _admin.GetObjectAsync($"customers/{customer}/timeline?type=personalization.exposure");
        var exposure = Assert.Single(timeline["items"]!.AsArray())!;
        Assert.Equal(key, exposure["properties"]!["placement"]!.GetValue<string>());
        Assert.Equal("base", exposure["properties"]!["variant"]!.GetValue<string>());

        var logged = await _admin.GetObjectAsync($"personalize/decisions?filter[customerId]={customer}&limit=10");
        var ids = logged["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(decisionIds.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));

        var preview = await (
            await _admin
                .PostAsync(
                    "personalize/preview",
                    HttpAssertions.Json(
                        $$"""{"placements":["{{key}}"],"customerId":"{{customer}}","profile":{"loyaltyTier":"gold"},"segments":["{{segment}}"],"fields":["title"]}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.True(preview["preview"]!.GetValue<bool>());
        var previewed = Only(preview);
        Assert.Equal("gold", previewed["variant"]!.GetValue<string>());
        Assert.Equal(["segment:" + segment, "rule"], previewed["matched"]!.AsArray().Select(m => m!.GetValue<string>()));
        var hypothetical = Only(
            await (
                await _admin
                    .PostAsync(
                        "personalize/preview",
                        HttpAssertions.Json($$"""{"placements":["{{key}}"],"profile":{"loyaltyTier":"gold"},"segments":["{{segment}}"]}""")
                    )
                    .ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync()
        );
        Assert.Equal("gold", hypothetical["variant"]!.GetValue<string>());

        // Previews record nothing: the log has the same three decisions, the timeline one exposure.
        await _admin.WaitForProcessingAsync();
        Assert.Equal(3, (await _admin.GetObjectAsync($"personalize/decisions?filter[customerId]={customer}"))["items"]!.AsArray().Count);
        Assert.Single((await _admin.GetObjectAsync($"customers/{customer}/timeline?type=personalization.exposure"))["items"]!.AsArray());

        var badPreview = await (
            await _admin.PostAsync(
                "personalize/preview",
                HttpAssertions.Json("""{"placements":[],"segments":["Bad Key"],"context":{"device":"watch","localHour":25}}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(
            ["/context/device", "/context/localHour", "/placements", "/segments/0"],
            badPreview.Errors().Select(e => e.Path).Order(StringComparer.Ordinal)
        );
    }
}
