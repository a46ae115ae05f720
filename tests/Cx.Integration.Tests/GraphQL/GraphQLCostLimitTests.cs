using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.GraphQL;

/// <summary>A DevHost whose read bucket holds 20 permits and practically never refills.</summary>
public sealed class GraphQLCostHostFactory : DevHostFactory
{
    public const int Burst = 20;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Read:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cx:RateLimits:Read:PerSecond"] = "0.001",
        };
}

/// <summary>The same small read bucket with cost charging turned off.</summary>
public sealed class GraphQLUncostedHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Read:Burst"] = GraphQLCostHostFactory.Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cx:RateLimits:Read:PerSecond"] = "0.001",
            ["Cx:GraphQL:ChargeCostToRateLimit"] = "false",
        };
}

/// <summary>With Cx:GraphQL:ChargeCostToRateLimit off, a costly query spends one token, as before.</summary>
public sealed class GraphQLUncostedLimitTests(GraphQLUncostedHostFactory host) : IClassFixture<GraphQLUncostedHostFactory>
{
    [Fact]
    public async Task Should_take_one_token_per_query_when_cost_charging_is_off()
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            host.IssueToken(Roles.Admin, subject: "uncosted-" + Guid.NewGuid().ToString("n")[..8])
        );
        var costly = new JsonObject { ["query"] = "{ customers(first: 100) { edges { node { id email name phone } } } }" };
        await client.PostAsync("graphql", HttpAssertions.Json(costly)).ShouldBeAsync(HttpStatusCode.OK);

        for (var i = 0; i < GraphQLCostHostFactory.Burst - 1; i++)
        {
            await client.GetAsync("customers?limit=1").ShouldBeAsync(HttpStatusCode.OK);
        }
        await (await client.GetAsync("customers?limit=1")).ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
    }
}

/// <summary>
/// Rate limits by GraphQL query cost over HTTP: a document's cost is charged to the caller's read
/// bucket (the same bucket its REST reads spend), a query the bucket cannot cover is refused 429
/// problem+json with Retry-After before it runs, and other callers are not affected.
/// </summary>
public sealed class GraphQLCostLimitTests(GraphQLCostHostFactory host) : IClassFixture<GraphQLCostHostFactory>
{
    /// <summary>A page of 100 customers with four fields: far more than the bucket's 20 permits.</summary>
    private const string Costly = "{ customers(first: 100) { edges { node { id email name phone } } } }";

    private const string Cheap = "{ __typename }";

    private HttpClient Caller(string subject)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            host.IssueToken(Roles.Admin, subject: subject)
        );
        return client;
    }

    private static Task<HttpResponseMessage> QueryAsync(HttpClient client, string query) =>
        client.PostAsync("graphql", HttpAssertions.Json(new JsonObject { ["query"] = query }));

    private static string Subject() => "cost-" + Guid.NewGuid().ToString("n")[..8];

    [Fact]
    public async Task Should_spend_the_caller_s_read_bucket_by_the_query_s_cost()
    {
        var spender = Caller(Subject());

        var costly = await QueryAsync(spender, Costly).ShouldBeAsync(HttpStatusCode.OK);
        Assert.NotNull((await costly.ReadObjectAsync())["data"]?["customers"]);

        // The one query spent the whole bucket: the same caller's next REST read is refused.
        var read = await spender.GetAsync("customers?limit=1");
        await read.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(read.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // Another caller has its own bucket.
        var other = Caller(Subject());
        await other.GetAsync("customers?limit=1").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_refuse_a_query_the_bucket_cannot_cover_with_429_before_it_runs_and_still_serve_a_cheap_one()
    {
        var caller = Caller(Subject());
        // Ten reads leave ten permits.
        for (var i = 0; i < 10; i++)
        {
            await caller.GetAsync("customers?limit=1").ShouldBeAsync(HttpStatusCode.OK);
        }

        var refused = await QueryAsync(caller, Costly);

        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.ToString());
        Assert.Null(problem["data"]);

        // The refusal took only the gate's permit: a query of cost one still runs.
        var cheap = await QueryAsync(caller, Cheap).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("Query", (await cheap.ReadObjectAsync())["data"]!["__typename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_not_charge_a_document_refused_for_its_cost_limit()
    {
        var caller = Caller(Subject());
        var huge = "{ customers(first: 100000) { edges { node { id email name phone loyaltyTier } } } }";

        var tooCostly = await QueryAsync(caller, huge).ShouldBeAsync(HttpStatusCode.OK);
        var errors = (await tooCostly.ReadObjectAsync())["errors"]!.AsArray();
        Assert.NotEmpty(errors);

        // Only the gate's permit went: nineteen reads are still served.
        for (var i = 0; i < GraphQLCostHostFactory.Burst - 1; i++)
        {
            await caller.GetAsync("customers?limit=1").ShouldBeAsync(HttpStatusCode.OK);
        }
        await (await caller.GetAsync("customers?limit=1")).ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
    }
}
