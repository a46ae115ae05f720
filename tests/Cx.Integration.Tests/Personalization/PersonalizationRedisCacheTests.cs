using System.Net;
using Cx.Integration.Tests.Infrastructure;
using StackExchange.Redis;
using static Cx.Integration.Tests.Personalization.PersonalizeApiTests;
using static Cx.Integration.Tests.Personalization.PlacementApiTests;

namespace Cx.Integration.Tests.Personalization;

/// <summary>A DevHost whose tagged cache has a real redis-server as its L2.</summary>
public sealed class RedisCachedDevHostFactory(string redisConnectionString, string instanceName) : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Personalization:CacheSeconds"] = "600",
            ["Cx:Personalization:CacheProvider"] = "Redis",
            ["Cx:Personalization:Redis:ConnectionString"] = redisConnectionString,
            ["Cx:Personalization:Redis:InstanceName"] = instanceName,
        };
}

/// <summary>The L2 on Redis: cached values land in Redis, and tag expiry still serves a change within a second.</summary>
public sealed class PersonalizationRedisCacheTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Should_keep_decision_inputs_in_redis_and_expire_them_by_tag()
    {
        var prefix = "cx-test-" + Guid.NewGuid().ToString("n")[..6] + ":";
        using var host = new RedisCachedDevHostFactory(redis.Server.ConnectionString, prefix);
        var admin = host.CreateApiClient();
        var type = await CreateBannerTypeAsync(admin, "hero");
        var key = "redis-" + Guid.NewGuid().ToString("n")[..8] + ".hero";
        await admin
            .PostAsync("placements", HttpAssertions.Json(PlacementJson(key, type, """[{"key":"hero","entry":"hero"}]""")))
            .ShouldBeAsync(HttpStatusCode.Created);

        Assert.Equal("Title hero", Only(await DecideAsync(admin, $"placements={key}"))["entry"]!["title"]!.GetValue<string>());

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        Assert.Contains(keys, k => k.Contains($"entry:{type}/hero", StringComparison.Ordinal));

        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"content/{type}/hero"))
        {
            patch.Content = HttpAssertions.Json("""{"title":"From Redis, fresh"}""", "application/merge-patch+json");
            await admin.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);
        }
        await WithinASecondAsync(
            admin,
            $"placements={key}",
            a => a["entry"]!["title"]!.GetValue<string>() == "From Redis, fresh",
            "the edit through the Redis L2"
        );
    }
}
