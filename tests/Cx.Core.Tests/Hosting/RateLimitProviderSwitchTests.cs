using Cx.Azure.Redis;
using Cx.Core.RateLimiting;
using Cx.Core.Tests.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Core.Tests.Hosting;

/// <summary><c>Cx:RateLimits:Provider</c>: in-process by default (embedded mode included), Redis when chosen, anything else refused at start-up.</summary>
public sealed class RateLimitProviderSwitchTests
{
    [Fact]
    public void Should_count_in_process_by_default()
    {
        using var services = CxServices.Build([]);

        Assert.IsType<InProcessRateLimiter>(services.GetRequiredService<IRateLimiter>());
    }

    [Fact]
    public void Should_share_buckets_in_redis_when_chosen()
    {
        using var services = CxServices.Build(
            new() { ["Cx:RateLimits:Provider"] = "redis", ["Cx:RateLimits:Redis:ConnectionString"] = "127.0.0.1:1" }
        );

        Assert.IsType<RedisRateLimiter>(services.GetRequiredService<IRateLimiter>());
    }

    [Fact]
    public void Should_fail_at_start_up_listing_the_allowed_values_when_the_provider_is_unknown()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CxServices.Build(new() { ["Cx:RateLimits:Provider"] = "Memcached" }));

        Assert.Contains("Unknown Cx:RateLimits:Provider 'Memcached'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Allowed: InProcess, Redis", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "ConnectionString")]
    [InlineData("5", "TimeoutMilliseconds")]
    public void Should_refuse_redis_without_a_connection_or_with_a_timeout_out_of_range(string? timeout, string member)
    {
        var settings = new Dictionary<string, string?> { ["Cx:RateLimits:Provider"] = "Redis" };
        if (timeout is not null)
        {
            settings["Cx:RateLimits:Redis:ConnectionString"] = "127.0.0.1:1";
            settings["Cx:RateLimits:Redis:TimeoutMilliseconds"] = timeout;
        }
        using var services = CxServices.Build(settings);

        Assert.Contains(CxServices.ValidationFailures<RedisRateLimitOptions>(services), f => f.Contains(member, StringComparison.Ordinal));
    }
}
