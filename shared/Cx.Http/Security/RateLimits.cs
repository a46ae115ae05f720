using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Cx.Core.Common;
using Microsoft.Extensions.Options;

namespace Cx.Http.Security;

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled by <see cref="PerSecond"/>.</summary>
public sealed class RateLimitRule
{
    [Range(1, 1_000_000)]
    public int Burst { get; set; }

    [Range(0.001, 1_000_000)]
    public double PerSecond { get; set; }
}

/// <summary>Rate limits per route group, bound from <c>Cx:RateLimits</c>. Each caller has its own buckets.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Cx:RateLimits";

    /// <summary>Turns limiting off (load tests only; never in production).</summary>
    public bool Enabled { get; set; } = true;

    [ValidateObjectMembers]
    public RateLimitRule Auth { get; set; } = new() { Burst = 10, PerSecond = 10.0 / 60 };

    [ValidateObjectMembers]
    public RateLimitRule Events { get; set; } = new() { Burst = 10_000, PerSecond = 5_000 };

    [ValidateObjectMembers]
    public RateLimitRule Read { get; set; } = new() { Burst = 2_000, PerSecond = 1_000 };

    [ValidateObjectMembers]
    public RateLimitRule Write { get; set; } = new() { Burst = 400, PerSecond = 200 };

    public RateLimitRule For(string group) =>
        group switch
        {
            RateLimitGroups.Auth => Auth,
            RateLimitGroups.Events => Events,
            RateLimitGroups.Read => Read,
            _ => Write,
        };
}

/// <summary>Too many requests from one caller (429) and when to try again.</summary>
public sealed class TooManyRequestsException(TimeSpan retryAfter)
    : CxException("Too many requests; slow down and retry after the time given.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public override string Code => "rate-limited";
}

/// <summary>
/// Token buckets per (group, caller): the API key, else the token's subject, else the client
/// IP. Public API keys are shared by every browser, so their buckets are per key and IP. Limits
/// are per instance (each scaled-out instance enforces its own buckets).
/// </summary>
public sealed class RequestRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, PartitionedRateLimiter<string>> _groups = new(StringComparer.Ordinal);

    public void Acquire(string group, string caller)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var limiter = _groups.GetOrAdd(group, Create);
        using var lease = limiter.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
            throw new TooManyRequestsException(retryAfter);
        }
    }

    private PartitionedRateLimiter<string> Create(string group)
    {
        var rule = options.Value.For(group);
        // Refill in steps of at least 1 token and at most every 100 ms.
        var period = TimeSpan.FromSeconds(Math.Max(0.1, 1 / rule.PerSecond));
        var tokens = Math.Max(1, (int)Math.Round(rule.PerSecond * period.TotalSeconds));
        return PartitionedRateLimiter.Create<string, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(
                caller,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = rule.Burst,
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
