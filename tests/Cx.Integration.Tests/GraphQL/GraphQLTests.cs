using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.GraphQL;

public sealed class GraphQLHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Analytics:MaxBatchDelayMs"] = "20", ["Cx:RateLimits:Enabled"] = "false" };
}

/// <summary>
/// GraphQL beside REST over HTTP against a real DevHost: the stock npm client graphql-request gets the
/// REST funnel's numbers, a mobile-shaped customer query, and refusals of fields its token may not
/// read; connections take the REST list's filters, sort and cursors (cursors work in both); a
/// content-type change is in the schema without a restart; bad requests are problems or spec errors.
/// </summary>
public sealed class GraphQLTests(GraphQLHostFactory host) : IClassFixture<GraphQLHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private async Task<string> CreateCustomerAsync(string email, string tier, string? name = null)
    {
        var body = new JsonObject
        {
            ["email"] = email,
            ["loyaltyTier"] = tier,
            ["name"] = name ?? email,
        };
        var response = await _admin.PostAsync("customers", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.Created);
        return (await response.ReadObjectAsync())["id"]!.GetValue<string>();
    }

    private HttpClient Raw(string? token = null)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? host.IssueToken(Roles.Admin));
        return client;
    }

    private async Task<JsonObject> QueryAsync(string query, JsonObject? variables = null, string? token = null)
    {
        var body = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            body["variables"] = variables;
        }
        var response = await Raw(token).PostAsync("graphql", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.OK);
        return await response.ReadObjectAsync();
    }

    private static string? Code(JsonObject result, int index = 0) => result["errors"]?[index]?["extensions"]?["code"]?.GetValue<string>();

    [Fact]
    public async Task Should_answer_the_rest_funnel_numbers_a_mobile_query_and_refusals_to_the_stock_graphql_request_client()
    {
        var day = Today().AddDays(-2);
        var runId = Guid.NewGuid().ToString("n")[..8];
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await CreateCustomerAsync($"funnel-{runId}-{i}@example.com", i % 2 == 0 ? "gold" : "silver"));
        }
        var start = "gql_view_" + runId;
        var end = "gql_buy_" + runId;
        var events = new JsonArray();
        for (var i = 0; i < 4; i++)
        {
            events.Add(Event(start, ids[i], null, day.AddHours(1 + i), null));
        }
        events.Add(Event(end, ids[0], null, day.AddHours(2), null));
        events.Add(Event(end, ids[1], null, day.AddHours(3), null));
        events.Add(Event(end, ids[3], null, day.AddDays(3), null)); // outside the window: not converted
        await _admin.PostEventsAsync(new JsonObject { ["events"] = events });
        await _admin.WaitForProcessingAsync();

        var rest = await (
            await _admin
                .PostAsync(
                    "analytics/funnels",
                    HttpAssertions.Json(
                        $$"""{"steps":[{"event":"{{start}}"},{"event":"{{end}}"}],"window":"P1D","from":"{{Instant(day)}}","to":"{{Instant(day.AddDays(1))}}"}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

        var admin = host.IssueToken(Roles.Admin);
        var self = host.IssueToken(Roles.Customer, ids[0]);
        var funnelQuery =
            "query($from: String, $to: String) { funnel(startEvent: \""
            + start
            + "\", endEvent: \""
            + end
            + "\", window: \"P1D\", from: $from, to: $to) "
            + "{ conversionRate steps { step event count conversionRate } } }";
        var range = new JsonObject { ["from"] = Instant(day), ["to"] = Instant(day.AddDays(1)) };
        var requests = new JsonArray(
            new JsonObject
            {
                ["token"] = admin,
                ["query"] = funnelQuery,
                ["variables"] = range.DeepClone(),
            },
            new JsonObject
            {
                ["token"] = self,
                ["query"] = "query($id: ID!) { customer(id: $id) { email name loyaltyTier } }",
                ["variables"] = new JsonObject { ["id"] = ids[0] },
            },
            new JsonObject
            {
                ["token"] = self,
                ["query"] = funnelQuery,
                ["variables"] = range.DeepClone(),
            },
            new JsonObject
            {
                ["token"] = self,
                ["query"] = "query($id: ID!) { customer(id: $id) { email } }",
                ["variables"] = new JsonObject { ["id"] = ids[1] },
            },
            new JsonObject
            {
                ["token"] = self,
                ["query"] = "query($id: ID!) { customer(id: $id) { email segments { key } } }",
                ["variables"] = new JsonObject { ["id"] = ids[0] },
            }
        );
        var endpoint = new Uri(_admin.BaseAddress!, "graphql").ToString();
        var (exit, output, error) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/GraphQL/graphql-client.mjs",
            [endpoint],
            requests.ToJsonString()
        );
        Assert.True(exit == 0, error);
        var results = JsonNode.Parse(output)!.AsArray();

        // The funnel: the same numbers as REST.
        var funnel = results[0]!["data"]!["funnel"]!;
        Assert.Null(results[0]!["errors"]);
        var restSteps = rest["steps"]!.AsArray();
        var graphSteps = funnel["steps"]!.AsArray();
        Assert.Equal(
            restSteps.Select(s => (s!["event"]!.GetValue<string>(), s["count"]!.GetValue<long>())),
            graphSteps.Select(s => (s!["event"]!.GetValue<string>(), s["count"]!.GetValue<long>()))
        );
        Assert.Equal([4L, 2L], graphSteps.Select(s => s!["count"]!.GetValue<long>()));
        Assert.Equal([1, 2], graphSteps.Select(s => s!["step"]!.GetValue<int>()));
        Assert.Equal(0.5, funnel["conversionRate"]!.GetValue<double>());
        Assert.Equal(
            restSteps.Select(s => s!["conversionFromFirst"]!.GetValue<double>()),
            graphSteps.Select(s => s!["conversionRate"]!.GetValue<double>())
        );

        // A mobile-shaped query: exactly the three fields asked for, read with the customer's own token.
        var customer = results[1]!["data"]!["customer"]!.AsObject();
        Assert.Null(results[1]!["errors"]);
        Assert.Equal(["email", "name", "loyaltyTier"], customer.Select(p => p.Key));
        Assert.Equal(
            ($"funnel-{runId}-0@example.com", "gold"),
            (customer["email"]!.GetValue<string>(), customer["loyaltyTier"]!.GetValue<string>())
        );

        // Refused fields: analytics for a customer, another customer's record, segments without segments:read.
        foreach (var (index, field) in new[] { (2, "funnel"), (3, "customer") })
        {
            var refused = results[index]!;
            Assert.Null(refused["data"]?[field]);
            Assert.Equal("FORBIDDEN", refused["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
            Assert.Equal(field, refused["errors"]![0]!["path"]![0]!.GetValue<string>());
        }
        Assert.Equal($"funnel-{runId}-0@example.com", results[4]!["data"]!["customer"]!["email"]!.GetValue<string>());
        Assert.Equal("FORBIDDEN", results[4]!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal(["customer", "segments"], results[4]!["errors"]![0]!["path"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Theory]
    [InlineData("startEvent: \"page_view\"", "endEvent", "required")]
    [InlineData("steps: [\"page_view\"]", "steps", "min-items")]
    [InlineData("steps: [\"a\", \"b\"], startEvent: \"a\"", "steps", "exclusive")]
    [InlineData("startEvent: \"Buy Now\", endEvent: \"purchase\"", "startEvent", "event-type")]
    [InlineData("steps: [\"a\", \"Buy Now\"]", "steps/1", "event-type")]
    [InlineData("startEvent: \"a\", endEvent: \"b\", window: \"P91D\"", "window", "duration")]
    [InlineData("startEvent: \"a\", endEvent: \"b\", from: \"last week\"", "from", "date-time")]
    [InlineData("startEvent: \"a\", endEvent: \"b\", from: \"2026-11-02\", to: \"2026-11-01\"", "to", "range")]
    [InlineData("startEvent: \"a\", endEvent: \"b\", from: \"2026-01-01\", to: \"2026-11-01\"", "from", "range-too-large")]
    public async Task Should_refuse_a_bad_funnel_naming_the_argument_as_rest_does(string arguments, string argument, string code)
    {
        var result = await QueryAsync($"{{ funnel({arguments}) {{ conversionRate }} }}");
        Assert.Equal("VALIDATION_FAILED", Code(result));
        Assert.Null(result["data"]!["funnel"]);
        Assert.Contains(
            result["errors"]![0]!["extensions"]!["data"]!["errors"]!.AsArray(),
            e => e!["argument"]!.GetValue<string>() == argument && e["code"]!.GetValue<string>() == code
        );
    }

    [Fact]
    public async Task Should_refuse_entries_whose_type_needs_a_permission_the_token_lacks()
    {
        var customerId = await CreateCustomerAsync($"perm-{Guid.NewGuid():n}@example.com", "none");
        var customer = host.IssueToken(Roles.Customer, customerId);
        var reports = await QueryAsync("{ journeyReports { nodes { id } } }", token: customer);
        Assert.Equal("FORBIDDEN", Code(reports));
        Assert.Contains("analytics:read", reports["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var list = await QueryAsync("{ customers { nodes { id } } }", token: customer);
        Assert.Equal("FORBIDDEN", Code(list));
        var editor = await QueryAsync("{ journeyReports { nodes { id } } }", token: host.IssueToken(Roles.Editor));
        Assert.Equal("FORBIDDEN", Code(editor));
        var admin = await QueryAsync("{ journeyReports { nodes { id } } }");
        Assert.Null(admin["errors"]);
    }

    [Fact]
    public async Task Should_page_customers_with_the_rest_filters_sort_and_cursors_in_both_directions()
    {
        var tier = "platinum";
        var run = Guid.NewGuid().ToString("n")[..8];
        for (var i = 0; i < 3; i++)
        {
            await CreateCustomerAsync($"page-{run}-{i}@example.com", tier, name: "page-" + run);
        }
        const string Query =
            "query($after: String) { customers(filter: [{field: \"loyaltyTier\", op: \"eq\", value: \"platinum\"}], sort: \"-email\", first: 2, after: $after) "
            + "{ nodes { email } edges { cursor } pageInfo { hasNextPage endCursor } } }";
        var first = (await QueryAsync(Query))["data"]!["customers"]!;
        Assert.Equal(
            [$"page-{run}-2@example.com", $"page-{run}-1@example.com"],
            first["nodes"]!.AsArray().Select(n => n!["email"]!.GetValue<string>())
        );
        Assert.True(first["pageInfo"]!["hasNextPage"]!.GetValue<bool>());
        var cursor = first["pageInfo"]!["endCursor"]!.GetValue<string>();
        Assert.Equal(cursor, first["edges"]![1]!["cursor"]!.GetValue<string>());

        // The GraphQL cursor continues the same REST list, and the REST cursor the GraphQL one.
        var restQuery = $"customers?filter[loyaltyTier][eq]={tier}&sort=-email&limit=2";
        var restNext = await (
            await _admin.GetAsync(restQuery + "&cursor=" + Uri.EscapeDataString(cursor)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal([$"page-{run}-0@example.com"], restNext["items"]!.AsArray().Select(n => n!["email"]!.GetValue<string>()));
        var restFirst = await (await _admin.GetAsync(restQuery).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var second = (await QueryAsync(Query, new JsonObject { ["after"] = restFirst["nextCursor"]!.GetValue<string>() }))["data"]![
            "customers"
        ]!;
        Assert.Equal([$"page-{run}-0@example.com"], second["nodes"]!.AsArray().Select(n => n!["email"]!.GetValue<string>()));
        Assert.False(second["pageInfo"]!["hasNextPage"]!.GetValue<bool>());

        // A cursor of another query and an unknown filter field are refused with the REST errors.
        var mismatched = await QueryAsync(
            "query($after: String) { customers(sort: \"email\", after: $after) { nodes { id } } }",
            new JsonObject { ["after"] = cursor }
        );
        Assert.Equal("VALIDATION_FAILED", Code(mismatched));
        Assert.Null(mismatched["data"]);
        var unknown = await QueryAsync("{ customers(filter: [{field: \"shoeSize\", value: \"9\"}]) { nodes { id } } }");
        Assert.Equal("VALIDATION_FAILED", Code(unknown));
        Assert.NotEmpty(unknown["errors"]![0]!["extensions"]!["data"]!["errors"]!.AsArray());
    }

    [Fact]
    public async Task Should_show_a_content_type_change_in_the_schema_without_a_restart()
    {
        var key = Unique("gqlnote");
        var type = GraphQLName(key);
        await _admin
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    $$"""{"key":"{{key}}","displayName":"Note","fields":[{"name":"title","type":"string","required":true,"indexed":true}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin.PostAsync($"content/{key}", HttpAssertions.Json("""{"title":"First"}""")).ShouldBeAsync(HttpStatusCode.Created);
        var plural = type + "s";
        var before = await QueryAsync($"{{ {plural} {{ nodes {{ title }} }} }}");
        Assert.Equal("First", before["data"]![plural]!["nodes"]![0]!["title"]!.GetValue<string>());
        var missing = await QueryAsync($"{{ {plural} {{ nodes {{ rating }} }} }}");
        Assert.Null(missing["data"]);
        Assert.Contains("rating", missing["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var current = await _admin.GetAsync($"content-types/{key}").ShouldBeAsync(HttpStatusCode.OK);
        using var put = new HttpRequestMessage(HttpMethod.Put, $"content-types/{key}")
        {
            Content = HttpAssertions.Json(
                $$"""{"key":"{{key}}","displayName":"Note","fields":[{"name":"title","type":"string","required":true,"indexed":true},{"name":"rating","type":"integer"}]}"""
            ),
        };
        put.Headers.IfMatch.Add(current.Headers.ETag!);
        await _admin.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
        await _admin
            .PostAsync($"content/{key}", HttpAssertions.Json("""{"title":"Second","rating":5}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var after = await QueryAsync($"{{ {plural}(sort: \"title\") {{ nodes {{ title rating }} }} }}");
        Assert.Null(after["errors"]);
        Assert.Equal(
            [("First", (long?)null), ("Second", 5L)],
            after["data"]![plural]!["nodes"]!.AsArray().Select(n => (n!["title"]!.GetValue<string>(), n["rating"]?.GetValue<long>()))
        );
    }

    private static string GraphQLName(string key)
    {
        var parts = key.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    [Fact]
    public async Task Should_answer_requests_that_are_not_graphql_requests_with_problems_naming_the_member()
    {
        var client = Raw();
        var missing = await client.PostAsync("graphql", HttpAssertions.Json("""{"variables":{}}"""));
        Assert.Contains(
            ("pointer", "/query", "required"),
            (await missing.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
        var mistyped = await client.PostAsync("graphql", HttpAssertions.Json("""{"query":"{ __typename }","variables":[1],"zz":1}"""));
        var errors = (await mistyped.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors();
        Assert.Contains(("pointer", "/variables", "type"), errors);
        Assert.Contains(("pointer", "/zz", "unknown-field"), errors);
        var text = await client.PostAsync("graphql", new StringContent("{ __typename }", Encoding.UTF8, "application/graphql"));
        await text.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        var noQuery = await client.GetAsync("graphql?operationName=x");
        Assert.Contains(
            ("parameter", "query", "required"),
            (await noQuery.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
        var badVariables = await client.GetAsync("graphql?query=%7B__typename%7D&variables=%5B1");
        Assert.Contains(
            ("parameter", "variables", "type"),
            (await badVariables.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
        var anonymous = await host.CreateRawClient().PostAsync("graphql", HttpAssertions.Json("""{"query":"{ __typename }"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Should_answer_documents_that_do_not_parse_or_validate_per_the_graphql_over_http_spec()
    {
        var client = Raw();
        // application/json (the legacy media type): 200 with errors and no data.
        var legacy = await client.PostAsync("graphql", HttpAssertions.Json("""{"query":"{ customers { "}"""));
        Assert.Equal(HttpStatusCode.OK, legacy.StatusCode);
        Assert.Equal("application/json", legacy.Content.Headers.ContentType!.MediaType);
        var legacyBody = await legacy.ReadObjectAsync();
        Assert.False(legacyBody.ContainsKey("data"));
        Assert.NotEmpty(legacyBody["errors"]!.AsArray());

        // application/graphql-response+json: 400 for a document that does not validate.
        using var request = new HttpRequestMessage(HttpMethod.Post, "graphql")
        {
            Content = HttpAssertions.Json("""{"query":"{ noSuchField }"}"""),
        };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        var spec = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, spec.StatusCode);
        Assert.Equal("application/graphql-response+json", spec.Content.Headers.ContentType!.MediaType);
        Assert.Contains("noSuchField", (await spec.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        // GET runs queries and refuses other operations before anything runs.
        var get = await client.GetAsync("graphql?query=" + Uri.EscapeDataString("{ __typename }")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("Query", (await get.ReadObjectAsync())["data"]!["__typename"]!.GetValue<string>());
        var mutation = await client.GetAsync("graphql?query=" + Uri.EscapeDataString("mutation { __typename }"));
        var refused = await mutation.ReadObjectAsync();
        Assert.Contains(refused["errors"]!.AsArray(), e => e!["extensions"]?["code"]?.GetValue<string>() == "QUERY_ONLY");

        // A field error names the Cx error, never an internal message.
        var notFound = await QueryAsync("{ customer(id: \"no-such-customer\") { email } }");
        Assert.Equal("NOT_FOUND", Code(notFound));
        Assert.DoesNotContain("Exception", notFound.ToJsonString(), StringComparison.Ordinal);
    }
}
