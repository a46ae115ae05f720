namespace Cx.Core.RateLimiting;

/// <summary>A token bucket: up to <see cref="Burst"/> permits at once, refilled at <see cref="PerSecond"/>.</summary>
public readonly record struct TokenBucket(int Burst, double PerSecond);

/// <summary>A limiter's answer: the permit was granted, or not and when to try again.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static RateLimitDecision Granted { get; } = new(true, TimeSpan.Zero);
}

/// <summary>
/// The port of rate limiting: one token bucket per (group, caller). <c>InProcess</c> counts per
/// instance; <c>Redis</c> shares every bucket between the instances that use the same Redis.
/// </summary>
public interface IRateLimiter
{
    /// <summary>
    /// Takes <paramref name="permits"/> (1) from the caller's bucket in <paramref name="group"/>; with 0, answers
    /// whether a permit is left without taking it. A group has one bucket shape (its configured rule).
    /// </summary>
    ValueTask<RateLimitDecision> AcquireAsync(
        string group,
        string caller,
        TokenBucket bucket,
        int permits,
        CancellationToken cancellationToken
    );
}
