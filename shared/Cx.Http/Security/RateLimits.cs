using System.ComponentModel.DataAnnotations;
using Cx.Core.Common;
using Cx.Core.RateLimiting;
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

    /// <summary>
    /// Failed authentications (401) per client address: once spent, the address is refused with 429
    /// before its credentials are checked, until a token refills.
    /// </summary>
    [ValidateObjectMembers]
    public RateLimitRule AuthFailures { get; set; } = new() { Burst = 20, PerSecond = 20.0 / 60 };

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
            RateLimitGroups.AuthFailures => AuthFailures,
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
/// The rate limits of the request gate, over the configured <see cref="IRateLimiter"/> (in-process
/// or Redis): token buckets per (group, caller), where the caller is the API key, else the token's
/// subject, else the client address. Public API keys are shared by every browser, so their buckets
/// are per key and address.
/// </summary>
public sealed class RequestRateLimiter(IRateLimiter limiter, IOptions<RateLimitOptions> options)
{
    /// <summary>Takes a permit from the caller's bucket, or throws <see cref="TooManyRequestsException"/>.</summary>
    public async ValueTask AcquireAsync(string group, string caller, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var rule = options.Value.For(group);
        var decision = await limiter.AcquireAsync(group, caller, new TokenBucket(rule.Burst, rule.PerSecond), 1, cancellationToken);
        if (!decision.Allowed)
        {
            RateLimitMetrics.Rejections.Add(1, new KeyValuePair<string, object?>("group", group));
            throw new TooManyRequestsException(decision.RetryAfter > TimeSpan.Zero ? decision.RetryAfter : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Takes <paramref name="permits"/> more from the bucket the gate charged for this request
    /// (<see cref="RateLimitCharge"/>), at most the bucket's burst less the one the gate took, so
    /// a request that passed the gate can always be served by a full bucket. Returns when to retry
    /// when the bucket cannot cover them, else null (also when limiting is off or nothing was charged).
    /// </summary>
    public async ValueTask<TimeSpan?> TryChargeMoreAsync(
        Microsoft.AspNetCore.Http.HttpContext context,
        int permits,
        CancellationToken cancellationToken
    )
    {
        if (!options.Value.Enabled || permits <= 0 || context.Items[typeof(RateLimitCharge)] is not RateLimitCharge charge)
        {
            return null;
        }
        var rule = options.Value.For(charge.Group);
        var count = Math.Min(permits, rule.Burst - 1);
        if (count <= 0)
        {
            return null;
        }
        var decision = await limiter.AcquireAsync(
            charge.Group,
            charge.Caller,
            new TokenBucket(rule.Burst, rule.PerSecond),
            count,
            cancellationToken
        );
        if (decision.Allowed)
        {
            return null;
        }
        RateLimitMetrics.Rejections.Add(1, new KeyValuePair<string, object?>("group", charge.Group));
        return decision.RetryAfter > TimeSpan.Zero ? decision.RetryAfter : TimeSpan.FromSeconds(1);
    }
}

/// <summary>The bucket the request gate charged for the current request (kept in <c>HttpContext.Items</c>).</summary>
public sealed record RateLimitCharge(string Group, string Caller);
