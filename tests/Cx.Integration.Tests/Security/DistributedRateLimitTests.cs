using System.Net;
using Cx.Azure.Redis;
using Cx.Core.RateLimiting;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Security;

/// <summary>A DevHost whose rate limits live in a given Redis, with a sign-in budget of two.</summary>
public sealed class RedisLimitedDevHostFactory(string redisConnectionString) : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Provider"] = "Redis",
            ["Cx:RateLimits:Redis:ConnectionString"] = redisConnectionString,
            ["Cx:RateLimits:Auth:Burst"] = "2",
            ["Cx:RateLimits:Auth:PerSecond"] = "0.01",
        };

    /// <summary>Waits until the host's limiter talks to Redis (before that, an instance decides alone).</summary>
    public async Task ConnectedAsync()
    {
        StartServer();
        var limiter = Assert.IsType<RedisRateLimiter>(Services.GetRequiredService<IRateLimiter>());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await limiter.WhenConnectedAsync(timeout.Token);
    }
}

/// <summary>Two instances of the app on one Redis: a caller has one budget, not one per instance.</summary>
public sealed class DistributedRateLimitTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static Task<HttpResponseMessage> SignInAsync(DevHostFactory host) =>
        host.CreateRawClient()
            .PostAsync(
                "auth/token",
                HttpAssertions.Json("""{"grant_type":"password","username":"x@example.com","password":"wrong password!!"}""")
            );

    [Fact]
    public async Task Should_share_a_caller_s_budget_between_two_instances()
    {
        using var first = new RedisLimitedDevHostFactory(redis.Server.ConnectionString);
        using var second = new RedisLimitedDevHostFactory(redis.Server.ConnectionString);
        await first.ConnectedAsync();
        await second.ConnectedAsync();

        await (await SignInAsync(first)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
        await (await SignInAsync(second)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");

        // Per instance each would still have one attempt left; together the two are spent.
        var limited = await SignInAsync(first);
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await (await SignInAsync(second)).ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
    }
}
