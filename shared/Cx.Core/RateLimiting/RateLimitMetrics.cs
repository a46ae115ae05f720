using System.Diagnostics.Metrics;

namespace Cx.Core.RateLimiting;

/// <summary>The telemetry of rate limiting: <c>Cx.RateLimits</c> counters.</summary>
public static class RateLimitMetrics
{
    public const string Name = "Cx.RateLimits";

    public static readonly Meter Meter = new(Name);

    /// <summary>Requests refused with 429, tagged with the group.</summary>
    public static readonly Counter<long> Rejections = Meter.CreateCounter<long>(
        "cx.rate_limits.rejections",
        description: "Requests refused because a bucket was empty"
    );

    /// <summary>Decisions taken by the in-process limiter because Redis could not answer, tagged with the reason.</summary>
    public static readonly Counter<long> RedisFallbacks = Meter.CreateCounter<long>(
        "cx.rate_limits.redis_fallbacks",
        description: "Rate-limit decisions made per instance because Redis was unavailable"
    );
}
