using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Realtime;

/// <summary>A DevHost whose dispatcher polls often and whose rate limits do not get in the way.</summary>
public sealed class RealtimeHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Hooks:PollMilliseconds"] = "20",
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Realtime:MaxConnectionsPerUser"] = "3",
        };
}

/// <summary>
/// Live updates against a real DevHost, with the stock npm <c>@microsoft/signalr</c> client
/// (<c>realtime-client.mjs</c>): negotiate with a Cx token, subscribe a connection to a channel,
/// receive what REST writes change; subscriptions authorised per channel; bad input answered 4xx.
/// </summary>
public sealed class RealtimeTests(RealtimeHostFactory host) : IClassFixture<RealtimeHostFactory>
{
    private const string Script = "tests/Cx.Integration.Tests/Realtime/realtime-client.mjs";
    private readonly HttpClient _admin = host.CreateApiClient();

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private string Api => new Uri(_admin.BaseAddress!, ".").ToString().TrimEnd('/');

    private async Task<(string Type, string Id)> CreateEntryAsync()
    {
        var type = Unique("rt");
        await _admin
            .PostAsync(
                "content-types",
                HttpAssertions.Json($$"""{"key":"{{type}}","displayName":"Live","fields":[{"name":"title","type":"string"}]}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var created = await _admin
            .PostAsync($"content/{type}", HttpAssertions.Json("""{"title":"first"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return (type, (await created.ReadObjectAsync())["id"]!.GetValue<string>());
    }

    private async Task<string> CreateCustomerAsync()
    {
        var id = Unique("rtc");
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return id;
    }

    private static async Task<JsonObject> RunAsync(JsonObject plan)
    {
        var (exit, output, error) = await NodeScript.RunAsync(Script, [], plan.ToJsonString());
        Assert.True(exit == 0, $"realtime-client.mjs exited {exit}: {error}\n{output}");
        return JsonNode.Parse(output)!.AsObject();
    }

    private static JsonObject Patch(string url, string token, string title) =>
        new()
        {
            ["method"] = "PATCH",
            ["url"] = url,
            ["token"] = token,
            ["body"] = new JsonObject { ["title"] = title },
        };

    [Fact]
    public async Task Should_deliver_an_entry_update_made_over_rest_once_to_the_stock_signalr_client()
    {
        var (type, id) = await CreateEntryAsync();
        var token = host.IssueToken(Roles.Editor);
        var url = $"{Api}/content/{type}/{id}";
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "live",
                ["api"] = Api,
                ["token"] = token,
                ["channel"] = $"entry:{type}:{id}",
                ["writes"] = new JsonArray(Patch(url, token, "marker-one"), Patch(url, token, "marker-two")),
                ["marker"] = "marker-two",
            }
        );

        var subscription = result["subscription"]!.AsObject();
        Assert.False(subscription["recovered"]!.GetValue<bool>());
        Assert.Equal("first", subscription["snapshot"]!["title"]!.GetValue<string>());
        var received = result["received"]!.AsArray().Select(p => p!.AsObject()).ToList();
        // Exactly the two updates, in order, each once (publications of one channel arrive in offset order).
        Assert.Equal(["marker-one", "marker-two"], received.Select(p => p["data"]!["title"]!.GetValue<string>()));
        Assert.All(received, p => Assert.Equal($"entry:{type}:{id}", p["channel"]!.GetValue<string>()));
        Assert.All(received, p => Assert.Equal("upsert", p["kind"]!.GetValue<string>()));
        var offset = subscription["offset"]!.GetValue<long>();
        Assert.Equal([offset + 1, offset + 2], received.Select(p => p["offset"]!.GetValue<long>()));
        Assert.All(received, p => Assert.Equal(subscription["epoch"]!.GetValue<string>(), p["epoch"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_resume_a_dropped_connection_with_all_50_missed_updates_in_order_and_recovered_true()
    {
        var (type, id) = await CreateEntryAsync();
        var token = host.IssueToken(Roles.Editor);
        var url = $"{Api}/content/{type}/{id}";
        var writes = new JsonArray(Patch(url, token, "resume-0"));
        for (var i = 1; i <= 50; i++)
        {
            writes.Add(Patch(url, token, $"resume-{i}"));
        }
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "resume",
                ["api"] = Api,
                ["token"] = token,
                ["channel"] = $"entry:{type}:{id}",
                ["writes"] = writes,
                ["firstMarker"] = "resume-0",
                ["marker"] = "resume-50",
            }
        );

        var subscription = result["subscription"]!.AsObject();
        Assert.True(subscription["recovered"]!.GetValue<bool>());
        Assert.Equal(result["before"]!["epoch"]!.GetValue<string>(), subscription["epoch"]!.GetValue<string>());
        var before = result["before"]!["offset"]!.GetValue<long>();
        // The observer saw the last write before the reconnect, so the log already held all 50: the replay alone has them.
        var replayed = subscription["publications"]!.AsArray().Select(p => p!["data"]!["title"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"resume-{i}"), replayed);
        var received = result["received"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => before + i), received.Select(p => p["offset"]!.GetValue<long>()));
        Assert.Equal(before + 50, subscription["offset"]!.GetValue<long>());
        Assert.Null(subscription["snapshot"]);
    }

    [Fact]
    public async Task Should_answer_a_position_of_another_epoch_with_recovered_false_and_a_snapshot()
    {
        var (type, id) = await CreateEntryAsync();
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "subscribe",
                ["api"] = Api,
                ["token"] = host.IssueToken(Roles.Editor),
                ["channel"] = $"entry:{type}:{id}",
                ["since"] = new JsonObject { ["epoch"] = "0123456789abcdef", ["offset"] = 1 },
            }
        );
        Assert.Equal(200, result["status"]!.GetValue<int>());
        var body = result["body"]!.AsObject();
        Assert.False(body["recovered"]!.GetValue<bool>());
        Assert.Empty(body["publications"]!.AsArray());
        Assert.Equal("first", body["snapshot"]!["title"]!.GetValue<string>());
        Assert.NotEqual("0123456789abcdef", body["epoch"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_deliver_a_customers_own_profile_change_on_its_channel()
    {
        var customer = await CreateCustomerAsync();
        var token = host.IssueToken(Roles.Customer, customer);
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "live",
                ["api"] = Api,
                ["token"] = token,
                ["channel"] = "customer:" + customer,
                ["writes"] = new JsonArray(
                    new JsonObject
                    {
                        ["method"] = "PATCH",
                        ["url"] = $"{Api}/customers/{customer}",
                        ["token"] = token,
                        ["body"] = new JsonObject { ["name"] = "marker-self" },
                    }
                ),
                ["marker"] = "marker-self",
            }
        );
        var received = Assert.Single(result["received"]!.AsArray());
        Assert.Equal("marker-self", received!["data"]!["name"]!.GetValue<string>());
        Assert.Equal(customer, received["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_customer_subscribing_to_another_customers_channel()
    {
        var mine = await CreateCustomerAsync();
        var other = await CreateCustomerAsync();
        var token = host.IssueToken(Roles.Customer, mine);
        var plan = new JsonObject
        {
            ["mode"] = "subscribe",
            ["api"] = Api,
            ["token"] = token,
            ["channel"] = "customer:" + other,
        };
        var refused = await RunAsync(plan);
        Assert.Equal(403, refused["status"]!.GetValue<int>());
        Assert.Equal("forbidden", refused["body"]!["code"]!.GetValue<string>());

        plan["channel"] = "segment:any-segment";
        Assert.Equal(403, (await RunAsync(plan))["status"]!.GetValue<int>());

        plan["channel"] = "customer:" + mine;
        var own = await RunAsync(plan);
        Assert.Equal(200, own["status"]!.GetValue<int>());
        Assert.Equal(mine, own["body"]!["snapshot"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_customer_subscribing_to_a_ticket_that_is_not_its_own()
    {
        var mine = await CreateCustomerAsync();
        var other = await CreateCustomerAsync();
        var ticket = await _admin
            .PostAsync($"customers/{other}/tickets", HttpAssertions.Json("""{"subject":"Broken"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var ticketId = (await ticket.ReadObjectAsync())["id"]!.GetValue<string>();
        var plan = new JsonObject
        {
            ["mode"] = "subscribe",
            ["api"] = Api,
            ["token"] = host.IssueToken(Roles.Customer, mine),
            ["channel"] = "ticket:" + ticketId,
        };
        Assert.Equal(403, (await RunAsync(plan))["status"]!.GetValue<int>());
        plan["token"] = host.IssueToken(Roles.Customer, other);
        Assert.Equal(200, (await RunAsync(plan))["status"]!.GetValue<int>());
        plan["token"] = host.IssueToken(Roles.SupportAgent);
        Assert.Equal(200, (await RunAsync(plan))["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_close_the_connections_of_a_signed_out_token_within_5_seconds_and_keep_the_others()
    {
        var customer = await CreateCustomerAsync();
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "revoke",
                ["api"] = Api,
                ["token"] = host.IssueToken(Roles.Customer, customer),
                ["observerToken"] = host.IssueToken(Roles.SupportAgent),
            }
        );
        Assert.Equal(204, result["signOut"]!.GetValue<int>());
        Assert.True(result["closedAfterMs"] is JsonValue, "The revoked token's connection was still open 5 s after the sign-out.");
        Assert.InRange(result["closedAfterMs"]!.GetValue<long>(), 0, 5_000);
        Assert.Equal("Connected", result["observer"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_connection_beyond_the_per_user_limit()
    {
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "limit",
                ["api"] = Api,
                ["token"] = host.IssueToken(Roles.Customer, Unique("lim")),
                ["count"] = 4,
            }
        );
        Assert.Equal(3, result["opened"]!.GetValue<int>());
        Assert.NotNull(result["refused"]);
    }

    [Fact]
    public async Task Should_hand_a_session_to_another_device_of_the_same_customer_and_reach_it_live()
    {
        var customer = await CreateCustomerAsync();
        var phone = host.CreateClientFor(Roles.Customer, customer);
        var created = await phone
            .PostAsync("realtime/sessions", HttpAssertions.Json("""{"state":{"cart":["sku-1"],"step":"shipping"},"ttlSeconds":600}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var session = await created.ReadObjectAsync();
        var id = session["id"]!.GetValue<string>();
        Assert.Equal("\"1\"", created.Headers.ETag!.Tag);

        // The desktop (another token of the same customer) opens it with the hand-over token and follows it live.
        var desktopToken = host.IssueToken(Roles.Customer, customer);
        var phoneToken = host.IssueToken(Roles.Customer, customer);
        var result = await RunAsync(
            new JsonObject
            {
                ["mode"] = "live",
                ["api"] = Api,
                ["token"] = desktopToken,
                ["channel"] = "session:" + id,
                ["writes"] = new JsonArray(
                    new JsonObject
                    {
                        ["method"] = "PUT",
                        ["url"] = $"{Api}/realtime/sessions/{id}",
                        ["token"] = phoneToken,
                        ["body"] = new JsonObject
                        {
                            ["state"] = new JsonObject { ["cart"] = new JsonArray("sku-1", "sku-2"), ["step"] = "marker-pay" },
                        },
                    }
                ),
                ["marker"] = "marker-pay",
            }
        );
        Assert.Equal("shipping", result["subscription"]!["snapshot"]!["state"]!["step"]!.GetValue<string>());
        var change = Assert.Single(result["received"]!.AsArray());
        Assert.Equal(2, change!["data"]!["version"]!.GetValue<long>());
        Assert.Equal(["sku-1", "sku-2"], change["data"]!["state"]!["cart"]!.AsArray().Select(v => v!.GetValue<string>()));

        // A stale version is refused; another customer cannot open, follow or change it (404, as if it did not exist).
        var stale = new HttpRequestMessage(HttpMethod.Put, $"realtime/sessions/{id}") { Content = HttpAssertions.Json("""{"state":{}}""") };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        await (await phone.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        var stranger = host.CreateClientFor(Roles.Customer, Unique("stranger"));
        await (await stranger.GetAsync($"realtime/sessions/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await stranger.DeleteAsync($"realtime/sessions/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var follow = await RunAsync(
            new JsonObject
            {
                ["mode"] = "subscribe",
                ["api"] = Api,
                ["token"] = host.IssueToken(Roles.Customer, Unique("stranger")),
                ["channel"] = "session:" + id,
            }
        );
        Assert.Equal(404, follow["status"]!.GetValue<int>());

        // Revoked: the token stops working everywhere.
        await phone.DeleteAsync($"realtime/sessions/{id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await phone.GetAsync($"realtime/sessions/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_answer_bad_session_requests_with_problems_naming_the_field()
    {
        var problem = await (
            await _admin.PostAsync("realtime/sessions", HttpAssertions.Json("""{"state":[1],"ttlSeconds":5,"other":1}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/state", "type"), problem.Errors());
        Assert.Contains(("pointer", "/ttlSeconds", "range"), problem.Errors());
        Assert.Contains(("pointer", "/other", "unknown-property"), problem.Errors());
        var badId = await (await _admin.GetAsync("realtime/sessions/bad%20id")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", "sessionId", "pattern"), badId.Errors());
    }

    [Fact]
    public async Task Should_answer_bad_subscriptions_with_problems_naming_the_field()
    {
        var problem = await _admin
            .PostAsync(
                "realtime/subscriptions",
                HttpAssertions.Json("""{"channel":"nope","connectionId":"a b","since":{"epoch":5,"offset":-1},"extra":1}""")
            )
            .ShouldBeAsync(HttpStatusCode.BadRequest);
        var errors = (await problem.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors();
        Assert.Contains(("pointer", "/channel", "invalid-channel"), errors);
        Assert.Contains(("pointer", "/connectionId", "pattern"), errors);
        Assert.Contains(("pointer", "/since/epoch", "type"), errors);
        Assert.Contains(("pointer", "/since/offset", "type"), errors);
        Assert.Contains(("pointer", "/extra", "unknown-property"), errors);

        var missing = await _admin.PostAsync("realtime/subscriptions", HttpAssertions.Json("{}")).ShouldBeAsync(HttpStatusCode.BadRequest);
        var missingErrors = (await missing.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors();
        Assert.Contains(("pointer", "/channel", "required"), missingErrors);
        Assert.Contains(("pointer", "/connectionId", "required"), missingErrors);

        // A well-formed id of no open connection (of this user) is a 404, and nothing is subscribed.
        var (type, id) = await CreateEntryAsync();
        await (
            await _admin.PostAsync(
                "realtime/subscriptions",
                HttpAssertions.Json($$"""{"channel":"entry:{{type}}:{{id}}","connectionId":"not-a-connection"}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        // An unknown content type is a 404 as on the REST routes.
        await (
            await _admin.PostAsync(
                "realtime/subscriptions",
                HttpAssertions.Json("""{"channel":"entry:no-such-type:e1","connectionId":"c1"}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_require_a_cx_token_to_negotiate_and_a_negotiated_token_at_the_hub()
    {
        var anonymous = host.CreateRawClient();
        await anonymous.PostAsync("realtime/negotiate", null).ShouldBeAsync(HttpStatusCode.Unauthorized);

        var negotiated = await (
            await _admin.PostAsync("realtime/negotiate?negotiateVersion=1", null).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var url = negotiated["url"]!.GetValue<string>();
        Assert.EndsWith("/realtime/cx", url, StringComparison.Ordinal);

        var hub = host.CreateRawClient();
        var withoutToken = new HttpRequestMessage(HttpMethod.Post, url + "/negotiate?negotiateVersion=1");
        Assert.Equal(HttpStatusCode.Unauthorized, (await hub.SendAsync(withoutToken)).StatusCode);
        // A Cx token is not a hub token: the hub takes only what negotiate handed out.
        var withCxToken = new HttpRequestMessage(HttpMethod.Post, url + "/negotiate?negotiateVersion=1");
        withCxToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.IssueToken(Roles.Admin));
        Assert.Equal(HttpStatusCode.Unauthorized, (await hub.SendAsync(withCxToken)).StatusCode);
        var withHubToken = new HttpRequestMessage(HttpMethod.Post, url + "/negotiate?negotiateVersion=1");
        withHubToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", negotiated["accessToken"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await hub.SendAsync(withHubToken)).StatusCode);

        var badVersion = await _admin.PostAsync("realtime/negotiate?negotiateVersion=7", null).ShouldBeAsync(HttpStatusCode.BadRequest);
        var errors = (await badVersion.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors();
        Assert.Contains(("parameter", "negotiateVersion", "enum"), errors);
    }
}
