using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Events;

public sealed class EventApiTests(EventsHostFactory host) : IClassFixture<EventsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();
    private static readonly DateTimeOffset T = EventApi.Today().AddDays(-3).AddHours(9);

    private static JsonObject Purchase(decimal amount) => new() { ["amount"] = amount };

    [Fact]
    public async Task Should_keep_valid_siblings_and_report_invalid_events_by_index()
    {
        var body = await _client.PostEventsAsync(
            Batch(
                Event("purchase", "partial-1", null, T, "x1", Purchase(5)),
                Event("purchase", "partial-1", null, T, "x2", new JsonObject { ["amount"] = -3 }),
                Event("purchase", "partial-1", null, T, "x3", Purchase(7)),
                new JsonObject { ["type"] = "purchase", ["customerId"] = "partial-1" }
            )
        );
        Assert.Equal(2, body["accepted"]!.GetValue<int>());
        var rejected = body["rejected"]!.AsArray();
        Assert.Equal([1, 3], rejected.Select(r => r!["index"]!.GetValue<int>()));
        Assert.Equal("/events/1/properties/amount", rejected[0]!["errors"]![0]!["pointer"]!.GetValue<string>());
        Assert.Equal("min", rejected[0]!["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("/events/3/properties/amount", rejected[1]!["errors"]![0]!["pointer"]!.GetValue<string>());
        await _client.WaitForProcessingAsync();
        var sum = await _client.BehaviorAsync("partial-1", "event=purchase&aggregate=sum&property=amount");
        Assert.Equal((12m, 2L), (sum["value"]!.GetValue<decimal>(), sum["count"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Should_answer_problem_json_when_every_event_of_a_batch_is_invalid()
    {
        var response = await _client.PostAsync(
            "events",
            HttpAssertions.Json(
                Batch(Event("purchase", "-1", null, T, null, Purchase(1)), Event("purchase", "c", null, T, null, new JsonObject()))
            )
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(
            [("pointer", "/events/0/customerId", "junk-identifier"), ("pointer", "/events/1/properties/amount", "required")],
            problem.Errors()
        );
    }

    [Fact]
    public async Task Should_answer_problem_json_when_a_single_event_is_invalid()
    {
        var response = await _client.PostAsync(
            "events",
            HttpAssertions.Json("""{"type":"purchase","anonymousId":"a-1","properties":{"amount":1.234567}}""")
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal([("pointer", "/properties/amount", "scale")], problem.Errors());
    }

    [Fact]
    public async Task Should_answer_413_when_the_body_is_over_the_batch_limit()
    {
        var events = new JsonArray();
        for (var i = 0; i < 40; i++)
        {
            events.Add(Event("search", null, "big-batch", T, null, new JsonObject { ["query"] = "q", ["pad"] = new string('x', 14_000) }));
        }
        var response = await _client.PostAsync("events", HttpAssertions.Json(new JsonObject { ["events"] = events }));
        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Fact]
    public async Task Should_answer_413_when_a_single_event_is_over_the_event_limit()
    {
        var e = Event("search", null, "big-event", T, null, new JsonObject { ["query"] = "q", ["pad"] = new string('x', 33_000) });
        await (await _client.PostAsync("events", HttpAssertions.Json(e))).ShouldBeProblemAsync(
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
    }

    [Fact]
    public async Task Should_reject_an_oversized_event_inside_a_batch_by_index()
    {
        var body = await _client.PostEventsAsync(
            Batch(
                Event("search", null, "mixed", T, null, new JsonObject { ["query"] = "small" }),
                Event("search", null, "mixed", T, null, new JsonObject { ["query"] = "q", ["pad"] = new string('x', 33_000) })
            )
        );
        Assert.Equal("too-large", body["rejected"]![0]!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_400_when_a_batch_has_more_than_500_events()
    {
        var events = new JsonArray();
        for (var i = 0; i < 501; i++)
        {
            events.Add(
                new JsonObject
                {
                    ["type"] = "cta_click",
                    ["anonymousId"] = "many",
                    ["properties"] = new JsonObject { ["cta"] = "c" },
                }
            );
        }
        var problem = await (
            await _client.PostAsync("events", HttpAssertions.Json(new JsonObject { ["events"] = events }))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal([("pointer", "/events", "max-items")], problem.Errors());
    }

    [Fact]
    public async Task Should_answer_400_when_json_has_duplicate_keys_or_is_too_deep()
    {
        await (
            await _client.PostAsync("events", HttpAssertions.Json("""{"type":"search","type":"purchase","anonymousId":"a"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "malformed-json");
        var deep = new StringBuilder("""{"type":"search","anonymousId":"a","properties":{"query":"q","x":""");
        deep.Append(string.Concat(Enumerable.Repeat("[", 40))).Append(string.Concat(Enumerable.Repeat("]", 40))).Append("}}");
        await (await _client.PostAsync("events", HttpAssertions.Json(deep.ToString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "malformed-json"
        );
    }

    [Fact]
    public async Task Should_answer_415_when_the_body_is_not_json()
    {
        await (
            await _client.PostAsync("events", new StringContent("type=search", Encoding.UTF8, "application/x-www-form-urlencoded"))
        ).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Should_reject_behavior_query_when_parameters_are_wrong()
    {
        var problem = await (
            await _client.GetAsync("customers/x/behavior?event=purchase&aggregate=median&window=P1M&color=red")
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("parameter", "color", "unknown-parameter"), problem.Errors());
        problem = await (await _client.GetAsync("customers/x/behavior?event=purchase&aggregate=sum&window=P1M")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal([("parameter", "window", "duration"), ("parameter", "property", "required")], problem.Errors());
    }

    [Fact]
    public async Task Should_reject_unknown_event_types_once_the_registry_says_so()
    {
        var defaults = await (await _client.GetAsync("event-type-settings").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("custom", defaults["unknownTypes"]!.GetValue<string>());
        var custom = await _client.PostEventsAsync("""{"type":"before_switch","anonymousId":"settings-visitor"}""");
        Assert.Equal(1, custom["accepted"]!.GetValue<int>());

        var saved = await _client
            .PutAsync("event-type-settings", HttpAssertions.Json("""{"unknownTypes":"reject"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.NotNull(saved.Headers.ETag);
        var rejected = await _client.PostAsync(
            "events",
            HttpAssertions.Json("""{"type":"after_switch","anonymousId":"settings-visitor"}""")
        );
        var problem = await rejected.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal([("pointer", "/type", "unknown-event-type")], problem.Errors());
        await _client.PostEventsAsync("""{"type":"search","anonymousId":"settings-visitor","properties":{"query":"still fine"}}""");

        var invalid = await _client.PutAsync("event-type-settings", HttpAssertions.Json("""{"unknownTypes":"maybe"}"""));
        await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await _client
            .PutAsync("event-type-settings", HttpAssertions.Json("""{"unknownTypes":"custom"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_create_change_and_delete_an_event_type_and_protect_built_ins()
    {
        var created = await _client
            .PostAsync(
                "event-types",
                HttpAssertions.Json(
                    """{"key":"video_played","displayName":"Video played","properties":[{"name":"seconds","type":"integer","min":0,"required":true}],"rollupDimensions":[],"valueProperty":"seconds"}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal("/api/v1/event-types/video_played", created.Headers.Location!.OriginalString);
        var rejected = await _client.PostEventsAsync(
            """{"type":"video_played","anonymousId":"viewer","properties":{"seconds":"ten"}}""",
            HttpStatusCode.BadRequest
        );
        Assert.Equal("validation-failed", rejected["code"]!.GetValue<string>());
        var replaced = await (
            await _client
                .PutAsync(
                    "event-types/video_played",
                    HttpAssertions.Json(
                        """{"key":"video_played","displayName":"Video watched","properties":[{"name":"seconds","type":"integer","min":0,"required":true}]}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(2, replaced["version"]!.GetValue<int>());
        await (await _client.DeleteAsync("event-types/purchase")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "built-in");
        await _client.DeleteAsync("event-types/video_played").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync("event-types/video_played")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}

public sealed class IdentifyTests(EventsHostFactory host) : IClassFixture<EventsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();
    private static readonly DateTimeOffset T = EventApi.Today().AddDays(-2).AddHours(8);

    private Task<HttpResponseMessage> IdentifyAsync(string json) => _client.PostAsync("identify", HttpAssertions.Json(json));

    [Fact]
    public async Task Should_bring_anonymous_history_into_the_customers_aggregates_exactly_once()
    {
        await _client.PostEventsAsync(
            Batch(
                Event("page_view", null, "anon-carol", T, null, new JsonObject { ["page"] = "/shoes" }),
                Event(
                    "purchase",
                    null,
                    "anon-carol",
                    T.AddMinutes(5),
                    "ap1",
                    new JsonObject { ["amount"] = 30.00m, ["category"] = "shoes" }
                ),
                Event("purchase", "carol", null, T.AddMinutes(10), "cp1", new JsonObject { ["amount"] = 12.00m, ["category"] = "bags" })
            )
        );
        await _client.WaitForProcessingAsync();
        var before = await _client.BehaviorAsync("carol", "event=purchase&aggregate=sum&property=amount&window=P30D");
        Assert.Equal(12.00m, before["value"]!.GetValue<decimal>());

        var linked = await (
            await IdentifyAsync("""{"anonymousId":"anon-carol","customerId":"carol"}""").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.True(linked["linked"]!.GetValue<bool>());
        var again = await (
            await IdentifyAsync("""{"anonymousId":"anon-carol","customerId":"carol"}""").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.False(again["linked"]!.GetValue<bool>());

        // After identify: a late anonymous event and a resent duplicate of an anonymous one.
        await _client.PostEventsAsync(
            Batch(
                Event(
                    "purchase",
                    null,
                    "anon-carol",
                    T.AddMinutes(20),
                    "ap2",
                    new JsonObject { ["amount"] = 8.00m, ["category"] = "hats" }
                ),
                Event(
                    "purchase",
                    null,
                    "anon-carol",
                    T.AddMinutes(5),
                    "ap1",
                    new JsonObject { ["amount"] = 30.00m, ["category"] = "shoes" }
                )
            )
        );
        await _client.WaitForProcessingAsync();
        var after = await _client.BehaviorAsync("carol", "event=purchase&aggregate=sum&property=amount&window=P30D");
        Assert.Equal((50.00m, 3L), (after["value"]!.GetValue<decimal>(), after["count"]!.GetValue<long>()));
        var categories = await _client.BehaviorAsync("carol", "event=purchase&aggregate=distinct&property=category&window=P30D");
        Assert.Equal(["bags", "hats", "shoes"], categories["values"]!.AsArray().Select(v => v!.GetValue<string>()));

        var timeline = await (await _client.GetAsync("customers/carol/timeline").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var items = timeline["items"]!.AsArray();
        Assert.Equal(4, items.Count);
        Assert.Equal(3, items.Count(i => i!["anonymousId"]?.GetValue<string>() == "anon-carol"));
    }

    [Fact]
    public async Task Should_refuse_junk_identifiers()
    {
        var problem = await (await IdentifyAsync("""{"anonymousId":"undefined","customerId":"-1"}""")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal([("pointer", "/anonymousId", "junk-identifier"), ("pointer", "/customerId", "junk-identifier")], problem.Errors());
        await (await IdentifyAsync("""{"anonymousId":"","customerId":"dan"}""")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        await (await IdentifyAsync("""{"anonymousId":"anon-x"}""")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Should_keep_the_first_link_when_another_customer_claims_the_anonymous_id()
    {
        await IdentifyAsync("""{"anonymousId":"shared-device","customerId":"erin"}""").ShouldBeAsync(HttpStatusCode.OK);
        var problem = await (await IdentifyAsync("""{"anonymousId":"shared-device","customerId":"frank"}""")).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "already-linked"
        );
        Assert.Equal([("pointer", "/anonymousId", "already-linked")], problem.Errors());
    }

    [Fact]
    public async Task Should_cap_how_many_anonymous_ids_a_customer_absorbs()
    {
        await IdentifyAsync("""{"anonymousId":"gina-1","customerId":"gina"}""").ShouldBeAsync(HttpStatusCode.OK);
        await IdentifyAsync("""{"anonymousId":"gina-2","customerId":"gina"}""").ShouldBeAsync(HttpStatusCode.OK);
        await (await IdentifyAsync("""{"anonymousId":"gina-3","customerId":"gina"}""")).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "alias-limit"
        );
    }

    [Fact]
    public async Task Should_resolve_the_customer_by_email()
    {
        var created = await (
            await _client
                .PostAsync("customers", HttpAssertions.Json("""{"email":"hana@example.com"}"""))
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var linked = await (
            await IdentifyAsync("""{"anonymousId":"anon-hana","email":"Hana@Example.com"}""").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(created["id"]!.GetValue<string>(), linked["customerId"]!.GetValue<string>());
        await (await IdentifyAsync("""{"anonymousId":"anon-nobody","email":"nobody@example.com"}""")).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
    }
}
