using System.ComponentModel.DataAnnotations;

namespace Cx.Azure.Redis;

/// <summary>
/// The Redis rate limiter (<c>Cx:RateLimits:Provider=Redis</c>), bound from
/// <c>Cx:RateLimits:Redis</c>. Azure Cache for Redis, or any Redis 6 or later.
/// </summary>
public sealed class RedisRateLimitOptions
{
    public const string Section = "Cx:RateLimits:Redis";

    /// <summary>
    /// A StackExchange.Redis connection string (<c>host:6380,password=...,ssl=True</c>); in Azure a
    /// Key Vault reference. Required with the Redis provider.
    /// </summary>
    [Required]
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of every bucket key, so several apps can share one Redis.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9:_.-]{1,64}$")]
    public string KeyPrefix { get; set; } = "cx:rl:";

    /// <summary>
    /// How long a decision may wait for Redis (and the first connection) before this instance
    /// decides alone; also the command timeout.
    /// </summary>
    [Range(10, 10_000)]
    public int TimeoutMilliseconds { get; set; } = 250;

    /// <summary>After repeated failures, how long Redis is left alone before it is tried again (the circuit breaker's break).</summary>
    [Range(1, 300)]
    public int BreakSeconds { get; set; } = 5;
}
