using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Segments;

/// <summary>The DevHost with a fast batcher, a fast hook loop and a fast job service, for segment tests.</summary>
public sealed class SegmentsHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:Hooks:PollMilliseconds"] = "20",
            ["Cx:Segments:JobPollSeconds"] = "1",
            ["Cx:RateLimits:Enabled"] = "false",
        };
}

public static class SegmentApi
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Polls until <paramref name="condition"/> holds (a condition, not a sleep); fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var cancellation = new CancellationTokenSource(Timeout);
        while (!await condition())
        {
            try
            {
                await Task.Delay(25, cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }
        }
    }

    public static async Task<JsonObject> CreateSegmentAsync(this HttpClient client, string key, string criteria, string status = "active")
    {
        var response = await client
            .PostAsync(
                "segments",
                HttpAssertions.Json($$"""{"key":"{{key}}","name":"Segment {{key}}","criteria":{{criteria}},"status":"{{status}}"}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        return await response.ReadObjectAsync();
    }

    public static async Task<string> CreateCustomerAsync(this HttpClient client, string prefix, string fields = "")
    {
        var id = prefix + "-" + Guid.NewGuid().ToString("n")[..10];
        await client
            .PostAsync(
                "customers",
                HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com"{{(fields.Length > 0 ? "," + fields : "")}}}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        return id;
    }

    public static async Task<JsonObject> GetObjectAsync(this HttpClient client, string path) =>
        await (await client.GetAsync(path).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();

    public static async Task<IReadOnlyList<string>> SegmentsOfAsync(this HttpClient client, string customerId) =>
        (await client.GetObjectAsync($"customers/{customerId}"))["segmentMembership"] is JsonArray entries
            ? [.. entries.Select(e => e!["segment"]!.GetValue<string>())]
            : [];

    public static async Task<IReadOnlyList<string>> MembersAsync(this HttpClient client, string key) =>
        [
            .. (await client.GetObjectAsync($"segments/{key}/members?limit=200"))["items"]!
                .AsArray()
                .Select(i => i!["customerId"]!.GetValue<string>()),
        ];

    public static async Task<JsonObject> WaitForRecomputeAsync(this HttpClient client, string key, int ruleVersion)
    {
        JsonObject? job = null;
        await UntilAsync(
            async () =>
            {
                job = await client.GetObjectAsync($"segments/{key}/recompute");
                return job["ruleVersion"]!.GetValue<int>() == ruleVersion && job["state"]!.GetValue<string>() == "completed";
            },
            $"the recompute of {key} at rule version {ruleVersion}"
        );
        return job!;
    }
}

/// <summary>Segments over HTTP against the DevHost: membership follows profiles and behaviour with no manual step.</summary>
public sealed class SegmentApiTests(SegmentsHostFactory host) : IClassFixture<SegmentsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static string Key(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    [Fact]
    public async Task Should_move_a_customer_into_big_spenders_when_a_purchase_takes_them_over_500()
    {
        var key = Key("big-spenders");
        await _client.CreateSegmentAsync(
            key,
            """{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}"""
        );
        var customer = await _client.CreateCustomerAsync("spender");
        var now = TimeProvider.System.GetUtcNow();
        await _client.PostEventsAsync(Event("purchase", customer, null, now.AddDays(-20), "order-1", new JsonObject { ["amount"] = 300 }));
        await _client.WaitForProcessingAsync();
        Assert.DoesNotContain(key, await _client.SegmentsOfAsync(customer));

        await _client.PostEventsAsync(
            Event("purchase", customer, null, now.AddMinutes(-1), "order-2", new JsonObject { ["amount"] = 250 })
        );

        await SegmentApi.UntilAsync(async () => (await _client.SegmentsOfAsync(customer)).Contains(key), "the profile to show the segment");
        var profile = await _client.GetObjectAsync($"customers/{customer}");
        var entered = profile["interactionHistory"]!.AsArray().Single(i => i!["kind"]!.GetValue<string>() == "segment.entered")!;
        Assert.Equal(key, entered["data"]!["segment"]!.GetValue<string>());
        await SegmentApi.UntilAsync(
            async () => (await _client.MembersAsync(key)).Contains(customer),
            "the member list to list the customer"
        );
        await SegmentApi.UntilAsync(
            async () =>
                (await _client.GetObjectAsync($"customers/{customer}/timeline?type=segment.entered"))["items"]!.AsArray().Count == 1,
            "the segment.entered event in the customer's timeline"
        );

        var explanation = await _client.GetObjectAsync($"customers/{customer}/segments/{key}/explain");
        Assert.True(explanation["member"]!.GetValue<bool>());
        Assert.True(explanation["matches"]!.GetValue<bool>());
        Assert.Equal("550", explanation["explanation"]!["observed"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_move_a_customer_into_the_signup_segment_when_they_sign_up_for_the_newsletter()
    {
        var key = Key("newsletter");
        await _client.CreateSegmentAsync(key, """{"behavior":{"event":"newsletter_signup","aggregate":"count","op":"gte","value":1}}""");
        var customer = await _client.CreateCustomerAsync("reader");
        await _client.WaitForRecomputeAsync(key, 1);
        Assert.Empty(await _client.SegmentsOfAsync(customer));

        await _client.PostEventsAsync(
            Event("newsletter_signup", customer, null, TimeProvider.System.GetUtcNow(), null, new JsonObject { ["list"] = "weekly" })
        );

        await SegmentApi.UntilAsync(async () => (await _client.SegmentsOfAsync(customer)).Contains(key), "the profile to show the segment");
    }

    [Fact]
    public async Task Should_follow_a_profile_change_in_and_out()
    {
        var key = Key("gold");
        await _client.CreateSegmentAsync(key, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        var customer = await _client.CreateCustomerAsync("tier", "\"loyaltyTier\":\"silver\"");
        await _client.WaitForRecomputeAsync(key, 1);

        await Patch(customer, """{"loyaltyTier":"gold"}""");
        await SegmentApi.UntilAsync(async () => (await _client.SegmentsOfAsync(customer)).Contains(key), "entering");
        await Patch(customer, """{"loyaltyTier":"bronze"}""");
        await SegmentApi.UntilAsync(async () => !(await _client.SegmentsOfAsync(customer)).Contains(key), "leaving");
        await SegmentApi.UntilAsync(
            async () => !(await _client.MembersAsync(key)).Contains(customer),
            "the member list to drop the customer"
        );
        var kinds = (await _client.GetObjectAsync($"customers/{customer}"))["interactionHistory"]!
            .AsArray()
            .Select(i => i!["kind"]!.GetValue<string>());
        Assert.Equal(["segment.entered", "segment.exited"], kinds);
    }

    [Fact]
    public async Task Should_count_a_redelivered_purchase_once_and_enter_once()
    {
        var key = Key("spend");
        await _client.CreateSegmentAsync(
            key,
            """{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":100}}"""
        );
        var customer = await _client.CreateCustomerAsync("twice");
        var purchase = Event(
            "purchase",
            customer,
            null,
            TimeProvider.System.GetUtcNow(),
            "same-order",
            new JsonObject { ["amount"] = 150 }
        );
        await _client.PostEventsAsync((JsonObject)purchase.DeepClone());
        await SegmentApi.UntilAsync(async () => (await _client.SegmentsOfAsync(customer)).Contains(key), "entering");

        await _client.PostEventsAsync((JsonObject)purchase.DeepClone());
        await _client.PostEventsAsync(Batch((JsonObject)purchase.DeepClone(), (JsonObject)purchase.DeepClone()));
        await _client.WaitForProcessingAsync();
        await SegmentApi.UntilAsync(
            async () =>
                (await _client.GetObjectAsync($"customers/{customer}/timeline?type=segment.entered"))["items"]!.AsArray().Count == 1,
            "the entry event"
        );

        var explanation = await _client.GetObjectAsync($"customers/{customer}/segments/{key}/explain");
        Assert.Equal("150", explanation["explanation"]!["observed"]!.GetValue<string>());
        var profile = await _client.GetObjectAsync($"customers/{customer}");
        Assert.Single(profile["segmentMembership"]!.AsArray());
        Assert.Single(profile["interactionHistory"]!.AsArray());
        Assert.Equal([customer], (await _client.MembersAsync(key)).Where(id => id == customer));
    }

    [Fact]
    public async Task Should_refuse_an_invalid_rule_with_the_path_of_every_problem_and_save_nothing()
    {
        var key = Key("broken");
        var response = await _client.PostAsync(
            "segments",
            HttpAssertions.Json(
                $$"""
                {"key":"{{key}}","name":"Broken","criteria":{"all":[
                  {"field":"loyaltyTier","op":"eq","value":"gold"},
                  {"field":"nickname","op":"eq","value":"x"},
                  {"behavior":{"event":"purchase","aggregate":"sum","window":"P90D","op":"gt","value":500} },
                  {"field":"name","op":"regex","value":"(unclosed"}]} }
                """
            )
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(
            [
                ("pointer", "/criteria/all/1/field", "unknown-field"),
                ("pointer", "/criteria/all/2/behavior/property", "required"),
                ("pointer", "/criteria/all/3/value", "pattern"),
            ],
            problem.Errors()
        );
        await (await _client.GetAsync($"segments/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var unknown = await _client.PostAsync(
            "segments",
            HttpAssertions.Json($$"""{"key":"{{key}}","name":"X","criteria":{"field":"name","op":"exists"},"colour":"red"}""")
        );
        var error = (await unknown.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()[0];
        Assert.Equal(("pointer", "/colour"), (error.Location, error.Path));
    }

    [Fact]
    public async Task Should_recompute_every_customer_after_a_rule_change_and_keep_the_versions()
    {
        var key = Key("tiers");
        var prefix = "rc" + Guid.NewGuid().ToString("n")[..6];
        var gold = new List<string>();
        var platinum = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var tier = i % 2 == 0 ? "gold" : "platinum";
            (i % 2 == 0 ? gold : platinum).Add(await _client.CreateCustomerAsync(prefix, $"\"loyaltyTier\":\"{tier}\""));
        }
        var created = await _client.CreateSegmentAsync(key, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        Assert.Equal(1, created["version"]!.GetValue<int>());
        await _client.WaitForRecomputeAsync(key, 1);
        await SegmentApi.UntilAsync(async () => gold.All((await _client.MembersAsync(key)).Contains), "gold members");

        var plan = await (
            await _client
                .PostAsync(
                    $"segments/{key}/dry-run",
                    HttpAssertions.Json("""{"criteria":{"field":"loyaltyTier","op":"eq","value":"platinum"} }""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.True(plan["wouldAdd"]!.GetValue<long>() >= 3 && plan["wouldRemove"]!.GetValue<long>() >= 3, plan.ToJsonString());
        Assert.Equal(plan["current"]!.GetValue<long>(), plan["wouldRemove"]!.GetValue<long>());

        var segment = await _client.GetAsync($"segments/{key}").ShouldBeAsync(HttpStatusCode.OK);
        var replace = new HttpRequestMessage(HttpMethod.Put, $"segments/{key}")
        {
            Content = HttpAssertions.Json(
                $$"""{"key":"{{key}}","name":"Platinum","criteria":{"field":"loyaltyTier","op":"eq","value":"platinum"} }"""
            ),
        };
        replace.Headers.IfMatch.Add(segment.Headers.ETag!);
        var replaced = await (await _client.SendAsync(replace).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal(2, replaced["version"]!.GetValue<int>());

        var job = await _client.WaitForRecomputeAsync(key, 2);
        Assert.True(job["processed"]!.GetValue<long>() >= 6);
        Assert.Equal("criteria-changed", job["reason"]!.GetValue<string>());
        await SegmentApi.UntilAsync(
            async () =>
            {
                var members = await _client.MembersAsync(key);
                return platinum.All(members.Contains) && !gold.Any(members.Contains);
            },
            "the member list to follow the new rule"
        );
        Assert.Equal(
            2,
            (await _client.GetObjectAsync($"customers/{platinum[0]}"))["segmentMembership"]![0]!["ruleVersion"]!.GetValue<int>()
        );

        var versions = (await _client.GetObjectAsync($"segments/{key}/versions"))["items"]!.AsArray();
        Assert.Equal([2, 1], versions.Select(v => v!["version"]!.GetValue<int>()));
        Assert.Equal("platinum", versions[0]!["criteria"]!["value"]!.GetValue<string>());

        var stale = new HttpRequestMessage(HttpMethod.Put, $"segments/{key}")
        {
            Content = HttpAssertions.Json(
                $$"""{"key":"{{key}}","name":"Gold","criteria":{"field":"loyaltyTier","op":"eq","value":"gold"} }"""
            ),
        };
        stale.Headers.IfMatch.Add(segment.Headers.ETag!);
        await (await _client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
    }

    [Fact]
    public async Task Should_preview_unsaved_criteria()
    {
        var marker = "preview" + Guid.NewGuid().ToString("n")[..6];
        var named = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            named.Add(await _client.CreateCustomerAsync(marker, $"\"name\":\"{marker}\""));
        }
        var response = await _client
            .PostAsync(
                "segments/preview",
                HttpAssertions.Json($$"""{"criteria":{"field":"name","op":"eq","value":"{{marker}}"},"sample":2}""")
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        var preview = await response.ReadObjectAsync();
        Assert.Equal(3, preview["count"]!.GetValue<long>());
        Assert.Equal(named.Order(StringComparer.Ordinal).Take(2), preview["sample"]!.AsArray().Select(s => s!.GetValue<string>()));

        var invalid = await _client.PostAsync("segments/preview", HttpAssertions.Json("""{"criteria":{"field":"name","op":"gt"}}"""));
        Assert.Equal(
            [("pointer", "/criteria/value", "required")],
            (await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
    }

    [Fact]
    public async Task Should_archive_then_delete_a_segment()
    {
        var key = Key("short-lived");
        var customer = await _client.CreateCustomerAsync("archived", "\"loyaltyTier\":\"platinum\"");
        await _client.CreateSegmentAsync(key, """{"field":"loyaltyTier","op":"eq","value":"platinum"}""");
        await SegmentApi.UntilAsync(async () => (await _client.MembersAsync(key)).Contains(customer), "the member");
        await (await _client.DeleteAsync($"segments/{key}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "in-use");

        await _client
            .PutAsync(
                $"segments/{key}",
                HttpAssertions.Json(
                    $$"""{"key":"{{key}}","name":"Gone","criteria":{"field":"loyaltyTier","op":"eq","value":"platinum"},"status":"archived"}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        await SegmentApi.UntilAsync(
            async () =>
            {
                var job = await _client.GetObjectAsync($"segments/{key}/recompute");
                return job["reason"]!.GetValue<string>() == "archived" && job["state"]!.GetValue<string>() == "completed";
            },
            "the archiving recompute"
        );
        await SegmentApi.UntilAsync(async () => (await _client.MembersAsync(key)).Count == 0, "every member removed");
        Assert.DoesNotContain(key, await _client.SegmentsOfAsync(customer));

        await _client.DeleteAsync($"segments/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"segments/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_answer_not_modified_for_the_current_etag()
    {
        var key = Key("etag");
        await _client.CreateSegmentAsync(key, """{"field":"name","op":"exists"}""");
        var first = await _client.GetAsync($"segments/{key}").ShouldBeAsync(HttpStatusCode.OK);
        var again = new HttpRequestMessage(HttpMethod.Get, $"segments/{key}");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        await _client.SendAsync(again).ShouldBeAsync(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task Should_refuse_membership_events_from_clients()
    {
        var customer = await _client.CreateCustomerAsync("forger");
        var response = await _client.PostAsync(
            "events",
            HttpAssertions.Json(
                $$"""{"type":"segment.entered","customerId":"{{customer}}","properties":{"segment":"vip","ruleVersion":1} }"""
            )
        );
        Assert.Equal(
            [("pointer", "/type", "system-event")],
            (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
    }

    [Fact]
    public async Task Should_not_let_a_customer_explain_its_own_membership()
    {
        var customer = await _client.CreateCustomerAsync("curious");
        var key = Key("secret");
        await _client.CreateSegmentAsync(key, """{"field":"name","op":"exists"}""");
        var own = host.CreateClientFor(Roles.Customer, customer);
        await (await own.GetAsync($"customers/{customer}/segments/{key}/explain")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await own.GetAsync($"customers/{customer}").ShouldBeAsync(HttpStatusCode.OK);
    }

    private async Task Patch(string customer, string patch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"customers/{customer}")
        {
            Content = HttpAssertions.Json(patch, "application/merge-patch+json"),
        };
        await _client.SendAsync(request).ShouldBeAsync(HttpStatusCode.OK);
    }
}
