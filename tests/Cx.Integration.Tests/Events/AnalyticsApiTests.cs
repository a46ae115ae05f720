using System.Net;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// The analytics API's contract around the numbers: strict query strings and bodies (every bad
/// input a 400 naming its parameter or pointer, never a 500), journey definitions as documents
/// (versions, ETags, conditional writes, no partial writes).
/// </summary>
public sealed class AnalyticsApiTests(EventsHostFactory host) : IClassFixture<EventsHostFactory>
{
    private static readonly DateTimeOffset Day = EventApi.Today().AddDays(-2);
    private readonly HttpClient _client = host.CreateApiClient();

    private static string Rollups(string query) => "analytics/rollups?" + query;

    private static readonly string From = Instant(Day);
    private static readonly string To = Instant(Day.AddDays(1));

    private async Task<IReadOnlyList<(string Location, string Path, string Code)>> BadRequestAsync(Task<HttpResponseMessage> call)
    {
        var problem = await (await call).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        return problem.Errors();
    }

    // ---------------------------------------------------------------- roll-ups

    [Theory]
    [InlineData("granularity=hour&from={from}", "event", "required")]
    [InlineData("event=Purchase!&granularity=hour&from={from}", "event", "event-type")]
    [InlineData("event=purchase&from={from}", "granularity", "required")]
    [InlineData("event=purchase&granularity=week&from={from}", "granularity", "enum")]
    [InlineData("event=purchase&granularity=hour", "from", "required")]
    [InlineData("event=purchase&granularity=hour&from=yesterday", "from", "date-time")]
    [InlineData("event=purchase&granularity=hour&from={from}&to=2026-13-01", "to", "date-time")]
    [InlineData("event=purchase&granularity=hour&from={to}&to={from}", "to", "range")]
    [InlineData("event=purchase&granularity=hour&from={from}&to={from}", "to", "range")]
    [InlineData("event=purchase&granularity=hour&from={from}&to={from+32d}", "from", "range-too-large")]
    [InlineData("event=purchase&granularity=minute&from={from}&to={from+25h}", "from", "range-too-large")]
    [InlineData("event=purchase&granularity=minute&from={from-20d}&to={from-19d}", "from", "retention")]
    [InlineData("event=purchase&granularity=hour&from={from}&breakdown=pages", "breakdown", "enum")]
    [InlineData("event=purchase&granularity=minute&from={from}&to={to}&breakdown=page", "breakdown", "granularity")]
    [InlineData("event=purchase&granularity=hour&from={from}&breakdown=dimension", "name", "required")]
    [InlineData("event=purchase&granularity=hour&from={from}&breakdown=dimension&name=colour", "name", "not-a-dimension")]
    [InlineData("event=purchase&granularity=hour&from={from}&breakdown=dimension&name=a.b", "name", "name")]
    [InlineData("event=purchase&granularity=hour&from={from}&name=category", "name", "not-allowed")]
    [InlineData("event=purchase&granularity=hour&from={from}&limit=5", "limit", "unknown-parameter")]
    [InlineData("event=purchase&event=page_view&granularity=hour&from={from}", "event", "repeated")]
    public async Task Should_reject_a_rollup_query_naming_the_bad_parameter(string query, string parameter, string code)
    {
        var resolved = query
            .Replace("{from-20d}", Instant(Day.AddDays(-20)), StringComparison.Ordinal)
            .Replace("{from-19d}", Instant(Day.AddDays(-19)), StringComparison.Ordinal)
            .Replace("{from+32d}", Instant(Day.AddDays(32)), StringComparison.Ordinal)
            .Replace("{from+25h}", Instant(Day.AddHours(25)), StringComparison.Ordinal)
            .Replace("{from}", From, StringComparison.Ordinal)
            .Replace("{to}", To, StringComparison.Ordinal);
        Assert.Contains(("parameter", parameter, code), await BadRequestAsync(_client.GetAsync(Rollups(resolved))));
    }

    [Fact]
    public async Task Should_answer_an_empty_series_of_zero_buckets_for_an_event_type_never_seen()
    {
        var series = await (
            await _client
                .GetAsync(Rollups($"event=never_seen&granularity=day&from={From}&to={Instant(Day.AddDays(3))}"))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(
            [(Instant(Day), 0L), (Instant(Day.AddDays(1)), 0L), (Instant(Day.AddDays(2)), 0L)],
            series["buckets"]!.AsArray().Select(b => (b!["start"]!.GetValue<string>(), b["count"]!.GetValue<long>()))
        );
    }

    // ---------------------------------------------------------------- funnels

    public static TheoryData<string, string, string> BadFunnels() =>
        new()
        {
            { """{"steps":[{"event":"page_view"}],"window":"P1D","from":"{from}"}""", "/steps", "min-items" },
            {
                """{"steps":[{"event":"a"},{"event":"b"},{"event":"c"},{"event":"d"},{"event":"e"},{"event":"f"},{"event":"g"},{"event":"h"},{"event":"i"},{"event":"j"},{"event":"k"}],"window":"P1D","from":"{from}"}""",
                "/steps",
                "max-items"
            },
            { """{"window":"P1D","from":"{from}"}""", "/steps", "required" },
            { """{"steps":"page_view,purchase","window":"P1D","from":"{from}"}""", "/steps", "type" },
            { """{"steps":["page_view","purchase"],"window":"P1D","from":"{from}"}""", "/steps/0", "type" },
            {
                """{"steps":[{"event":"page_view","filter":{"page":"/"}},{"event":"purchase"}],"window":"P1D","from":"{from}"}""",
                "/steps/0/filter",
                "unknown-field"
            },
            { """{"steps":[{"event":"page_view"},{}],"window":"P1D","from":"{from}"}""", "/steps/1/event", "required" },
            { """{"steps":[{"event":"page_view"},{"event":"Buy Now"}],"window":"P1D","from":"{from}"}""", "/steps/1/event", "event-type" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"from":"{from}"}""", "/window", "required" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1M","from":"{from}"}""", "/window", "duration" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P91D","from":"{from}"}""", "/window", "duration" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":7,"from":"{from}"}""", "/window", "type" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1D"}""", "/from", "required" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1D","from":"last week"}""", "/from", "date-time" },
            { """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1D","from":"{to}","to":"{from}"}""", "/to", "range" },
            {
                """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1D","from":"{from-93d}","to":"{from}"}""",
                "/from",
                "range-too-large"
            },
            {
                """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1D","from":"{from}","segment":"vip"}""",
                "/segment",
                "unknown-field"
            },
        };

    [Theory]
    [MemberData(nameof(BadFunnels))]
    public async Task Should_reject_a_funnel_naming_the_bad_pointer(string body, string pointer, string code)
    {
        var resolved = body.Replace("{from-93d}", Instant(Day.AddDays(-93)), StringComparison.Ordinal)
            .Replace("{from}", From, StringComparison.Ordinal)
            .Replace("{to}", To, StringComparison.Ordinal);
        Assert.Contains(
            ("pointer", pointer, code),
            await BadRequestAsync(_client.PostAsync("analytics/funnels", HttpAssertions.Json(resolved)))
        );
    }

    [Fact]
    public async Task Should_refuse_a_funnel_body_that_is_not_json_or_not_sent_as_json()
    {
        var malformed = await _client.PostAsync("analytics/funnels", HttpAssertions.Json("""{"steps":[}"""));
        await malformed.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "malformed-json");
        var text = await _client.PostAsync("analytics/funnels", new StringContent("steps=a,b", System.Text.Encoding.UTF8, "text/plain"));
        await text.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        var query = await _client.PostAsync(
            "analytics/funnels?window=P1D",
            HttpAssertions.Json($$"""{"steps":[{"event":"a"},{"event":"b"}],"window":"P1D","from":"{{From}}"}""")
        );
        await query.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Should_default_the_end_of_a_funnel_range_to_now()
    {
        var response = await _client
            .PostAsync(
                "analytics/funnels",
                HttpAssertions.Json($$"""{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"PT30M","from":"{{From}}"}""")
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        var funnel = await response.ReadObjectAsync();
        Assert.Equal("PT30M", funnel["window"]!.GetValue<string>());
        Assert.True(
            DateTimeOffset.Parse(funnel["to"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > Day.AddDays(1)
        );
    }

    // ---------------------------------------------------------------- journeys

    private static string JourneyJson(string key, string window = "P7D", string consideration = "\"add_to_cart\"") =>
        $$$"""
            {"key":"{{{key}}}","displayName":"Journey {{{key}}}","conversionWindow":"{{{window}}}",
             "stages":{"awareness":["page_view"],"consideration":[{{{consideration}}}],"action":["purchase"]}}
            """;

    [Fact]
    public async Task Should_create_read_change_and_delete_a_journey_as_a_versioned_document()
    {
        var created = await _client
            .PostAsync("journeys", HttpAssertions.Json(JourneyJson("onboarding", "PT168H")))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal("/api/v1/journeys/onboarding", created.Headers.Location!.OriginalString);
        var document = await created.ReadObjectAsync();
        Assert.Equal(
            ("journey", "P7D", 1),
            (document["type"]!.GetValue<string>(), document["conversionWindow"]!.GetValue<string>(), document["version"]!.GetValue<int>())
        );

        var etag = created.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "journeys/onboarding");
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(conditional)).StatusCode);

        var unchanged = await _client
            .PutAsync("journeys/onboarding", HttpAssertions.Json(JourneyJson("onboarding", "P7D")))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(etag, unchanged.Headers.ETag);

        var changed = await _client
            .PutAsync("journeys/onboarding", HttpAssertions.Json(JourneyJson("onboarding", "P7D", "\"add_to_cart\",\"cta_click\"")))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(2, (await changed.ReadObjectAsync())["version"]!.GetValue<int>());

        using var stale = new HttpRequestMessage(HttpMethod.Put, "journeys/onboarding")
        {
            Content = HttpAssertions.Json(JourneyJson("onboarding", "P3D")),
        };
        stale.Headers.IfMatch.Add(etag);
        await (await _client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");

        var list = await (await _client.GetAsync("journeys?limit=10").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Contains(list["items"]!.AsArray(), i => i!["key"]!.GetValue<string>() == "onboarding");

        await _client.DeleteAsync("journeys/onboarding").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync("journeys/onboarding")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_reject_an_invalid_journey_with_every_pointer_and_write_nothing()
    {
        var body = """
            {"key":"broken","displayName":"","conversionWindow":"P1Y",
             "stages":{"awareness":["page_view"],"consideration":[],"action":["purchase","page_view"]}}
            """;
        Assert.Equal(
            [
                ("pointer", "/displayName", "display-name"),
                ("pointer", "/stages/consideration", "min-items"),
                ("pointer", "/stages/action/1", "duplicate"),
                ("pointer", "/conversionWindow", "duration"),
            ],
            await BadRequestAsync(_client.PostAsync("journeys", HttpAssertions.Json(body)))
        );
        await (await _client.GetAsync("journeys/broken")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var misspelt = await BadRequestAsync(
            _client.PostAsync("journeys", HttpAssertions.Json("""{"key":"x","displayName":"X","stagez":{}}"""))
        );
        Assert.Contains(("pointer", "/stagez", "invalid"), misspelt);
    }

    [Fact]
    public async Task Should_refuse_a_second_journey_with_the_same_key_and_a_key_that_differs_from_the_url()
    {
        await _client.PostAsync("journeys", HttpAssertions.Json(JourneyJson("twice"))).ShouldBeAsync(HttpStatusCode.Created);
        await (await _client.PostAsync("journeys", HttpAssertions.Json(JourneyJson("twice")))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "already-exists"
        );
        Assert.Equal(
            [("pointer", "/key", "key-mismatch")],
            await BadRequestAsync(_client.PutAsync("journeys/twice", HttpAssertions.Json(JourneyJson("other"))))
        );
        await (await _client.PutAsync("journeys/missing", HttpAssertions.Json(JourneyJson("missing")))).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
    }

    [Fact]
    public async Task Should_validate_the_report_range_and_answer_404_for_an_unknown_journey()
    {
        await _client.PostAsync("journeys", HttpAssertions.Json(JourneyJson("reported"))).ShouldBeAsync(HttpStatusCode.Created);
        Assert.Contains(("parameter", "from", "required"), await BadRequestAsync(_client.GetAsync("journeys/reported/report")));
        Assert.Contains(("parameter", "from", "date-time"), await BadRequestAsync(_client.GetAsync("journeys/reported/report?from=soon")));
        Assert.Contains(
            ("parameter", "from", "range-too-large"),
            await BadRequestAsync(_client.GetAsync($"journeys/reported/report?from={Instant(Day.AddDays(-100))}&to={To}"))
        );
        Assert.Contains(
            ("parameter", "days", "unknown-parameter"),
            await BadRequestAsync(_client.GetAsync($"journeys/reported/report?from={From}&days=1"))
        );
        await (await _client.GetAsync($"journeys/nothing-here/report?from={From}")).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
        var empty = await (
            await _client.GetAsync($"journeys/reported/report?from={From}&to={To}").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.All(empty["stages"]!.AsArray(), s => Assert.Equal(0, s!["reached"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Should_keep_journey_changes_to_marketers_and_admins()
    {
        var editor = host.CreateClientFor(Cx.Core.Identity.Roles.Editor);
        await (await editor.PostAsync("journeys", HttpAssertions.Json(JourneyJson("by-editor")))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var marketer = host.CreateClientFor(Cx.Core.Identity.Roles.Marketer);
        await marketer.PostAsync("journeys", HttpAssertions.Json(JourneyJson("by-marketer"))).ShouldBeAsync(HttpStatusCode.Created);
        var audit = await (
            await _client.GetAsync("audit?filter[action]=journey.saved&filter[targetId]=by-marketer").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Single(audit["items"]!.AsArray());
    }
}
