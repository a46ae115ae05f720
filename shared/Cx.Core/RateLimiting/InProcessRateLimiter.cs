using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Cx.Core.RateLimiting;

/// <summary>
/// Token buckets in this process (System.Threading.RateLimiting), per (group, caller): each
/// scaled-out instance enforces its own. Refills in steps of at least one token and at most every
/// 100 ms; a bucket idle and full for 10 s is dropped, so memory follows the callers of the last
/// seconds, not every caller ever seen.
/// </summary>
public sealed class InProcessRateLimiter : IRateLimiter, IDisposable
{
    private readonly ConcurrentDictionary<string, PartitionedRateLimiter<string>> _groups = new(StringComparer.Ordinal);

    public ValueTask<RateLimitDecision> AcquireAsync(
        string group,
        string caller,
        TokenBucket bucket,
        int permits,
        CancellationToken cancellationToken
    )
    {
        // The shape is fixed by the group's first call (the rules are options, read once): no key to build per request.
        var limiter = _groups.GetOrAdd(group, static (_, shape) => Create(shape), bucket);
        using var lease = limiter.AttemptAcquire(caller, permits);
        return ValueTask.FromResult(
            lease.IsAcquired ? RateLimitDecision.Granted
            : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? new RateLimitDecision(false, after)
            : new RateLimitDecision(false, TimeSpan.FromSeconds(1))
        );
    }

    private static PartitionedRateLimiter<string> Create(TokenBucket bucket)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.1, 1 / bucket.PerSecond));
        var tokens = Math.Max(1, (int)Math.Round(bucket.PerSecond * period.TotalSeconds));
        return PartitionedRateLimiter.Create<string, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(
                caller,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = bucket.Burst,
                    TokensPerPeriod = tokens,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }
            )
        );
    }

    public void Dispose()
    {
        foreach (var limiter in _groups.Values)
        {
            limiter.Dispose();
        }
    }
}
