using Cx.Azure.Redis;
using Cx.Core.RateLimiting;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Cx.Integration.Tests.Contracts;

public sealed class InProcessRateLimiterContractTests : RateLimiterContract, IDisposable
{
    private readonly List<InProcessRateLimiter> _limiters = [];

    protected override IRateLimiter CreateLimiter()
    {
        var limiter = new InProcessRateLimiter();
        _limiters.Add(limiter);
        return limiter;
    }

    public void Dispose() => _limiters.ForEach(l => l.Dispose());
}

/// <summary>The contract on a real redis-server, and what only a shared limiter promises: one budget for every instance.</summary>
public sealed class RedisRateLimiterContractTests(RedisFixture redis) : RateLimiterContract, IClassFixture<RedisFixture>, IDisposable
{
    private readonly List<RedisRateLimiter> _limiters = [];

    protected override IRateLimiter CreateLimiter()
    {
        var limiter = new RedisRateLimiter(
            Options.Create(new RedisRateLimitOptions { ConnectionString = redis.Server.ConnectionString }),
            NullLogger<RedisRateLimiter>.Instance,
            TimeProvider.System
        );
        _limiters.Add(limiter);
        // Until connected an instance decides alone; the contract is about Redis's decisions.
        limiter.WhenConnectedAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(30));
        return limiter;
    }

    [Fact]
    public async Task Should_share_one_budget_between_two_instances()
    {
        var first = CreateLimiter();
        var second = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(4, 0.01);

        Assert.True(await TakeAsync(first, group, "c", bucket));
        Assert.True(await TakeAsync(second, group, "c", bucket));
        Assert.True(await TakeAsync(first, group, "c", bucket));
        Assert.True(await TakeAsync(second, group, "c", bucket));

        Assert.False(await TakeAsync(first, group, "c", bucket));
        Assert.False(await TakeAsync(second, group, "c", bucket));
    }

    [Fact]
    public async Task Should_keep_a_bucket_only_until_it_would_be_full_again()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);
        var database = connection.GetDatabase();

        // A question takes nothing and writes nothing.
        await limiter.AcquireAsync(group, "c", new TokenBucket(2, 1), 0, CancellationToken.None);
        Assert.False(await database.KeyExistsAsync("cx:rl:" + group + ":c"));

        Assert.True(await TakeAsync(limiter, group, "c", new TokenBucket(2, 1)));
        var ttl = await database.KeyTimeToLiveAsync("cx:rl:" + group + ":c");

        // One token to refill at 1/s, plus a second of margin.
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(2));
    }

    public void Dispose() => _limiters.ForEach(l => l.Dispose());
}
