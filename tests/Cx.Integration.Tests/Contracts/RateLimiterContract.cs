using Cx.Core.RateLimiting;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// What every <see cref="IRateLimiter"/> guarantees: a token bucket per (group, caller) that grants
/// its burst, refuses with a retry-after, refills at its rate and not faster, answers a zero-permit
/// question without taking a permit, and stays exact under concurrent callers. Subclassed once per
/// limiter (in-process, Redis). Slow rates keep the refusals independent of machine load.
/// </summary>
public abstract class RateLimiterContract
{
    /// <summary>A limiter; with a shared backend, two limiters are two instances of the app.</summary>
    protected abstract IRateLimiter CreateLimiter();

    /// <summary>A group no other test uses (a shared backend keeps buckets between tests).</summary>
    protected static string NewGroup() => "g-" + Guid.NewGuid().ToString("n");

    protected static async Task<bool> TakeAsync(IRateLimiter limiter, string group, string caller, TokenBucket bucket) =>
        (await limiter.AcquireAsync(group, caller, bucket, 1, CancellationToken.None)).Allowed;

    [Fact]
    public async Task Should_grant_the_burst_then_refuse_with_the_time_to_the_next_token()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(3, 0.1);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await TakeAsync(limiter, group, "c", bucket), $"permit {i + 1} of the burst");
        }
        var refused = await limiter.AcquireAsync(group, "c", bucket, 1, CancellationToken.None);

        Assert.False(refused.Allowed);
        // One token every 10 s.
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10.5));
    }

    [Fact]
    public async Task Should_refill_at_its_rate()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(1, 5);

        Assert.True(await TakeAsync(limiter, group, "c", bucket));
        await Task.Delay(TimeSpan.FromMilliseconds(700));

        Assert.True(await TakeAsync(limiter, group, "c", bucket));
    }

    [Fact]
    public async Task Should_not_refill_faster_than_its_rate()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(1, 0.05);

        Assert.True(await TakeAsync(limiter, group, "c", bucket));
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        Assert.False(await TakeAsync(limiter, group, "c", bucket));
    }

    [Fact]
    public async Task Should_keep_callers_and_groups_apart()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(1, 0.01);

        Assert.True(await TakeAsync(limiter, group, "a", bucket));
        Assert.False(await TakeAsync(limiter, group, "a", bucket));

        Assert.True(await TakeAsync(limiter, group, "b", bucket));
        Assert.True(await TakeAsync(limiter, NewGroup(), "a", bucket));
    }

    [Fact]
    public async Task Should_answer_a_zero_permit_question_without_taking_a_permit()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(1, 0.01);

        Assert.True((await limiter.AcquireAsync(group, "c", bucket, 0, CancellationToken.None)).Allowed);
        Assert.True((await limiter.AcquireAsync(group, "c", bucket, 0, CancellationToken.None)).Allowed);
        Assert.True(await TakeAsync(limiter, group, "c", bucket));
        var spent = await limiter.AcquireAsync(group, "c", bucket, 0, CancellationToken.None);

        Assert.False(spent.Allowed);
        Assert.True(spent.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public async Task Should_grant_exactly_the_burst_to_concurrent_callers()
    {
        var limiter = CreateLimiter();
        var group = NewGroup();
        var bucket = new TokenBucket(10, 0.001);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(() => TakeAsync(limiter, group, "crowd", bucket))));

        Assert.Equal(10, results.Count(granted => granted));
    }
}
