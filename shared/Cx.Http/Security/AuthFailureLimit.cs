using Cx.Core.Common;
using Cx.Core.Identity;
using Cx.Core.RateLimiting;
using Microsoft.Extensions.Options;

namespace Cx.Http.Security;

/// <summary>
/// Limits failed authentications (401) per client address with the <c>AuthFailures</c> bucket of
/// the configured limiter (shared between instances on Redis). Each failure takes a token; the
/// failure that finds the bucket empty is answered 429, and the address is then refused with 429
/// before its credentials are checked until a token refills (the wait is remembered here, in a
/// bounded cache, so a refused address costs no lookup at all). Successful authentication is not
/// counted. Callers behind one address share its budget: behind a proxy set
/// <c>Cx:Http:TrustForwardedFor</c> so the address is the client's.
/// </summary>
public sealed class AuthFailureLimit(
    IRateLimiter limiter,
    IOptions<RateLimitOptions> options,
    IOptions<AuthOptions> auth,
    TimeProvider time
) : IDisposable
{
    private readonly BoundedCache<DateTimeOffset> _refusedUntil = new(auth.Value.MaxCachedEntries, time);

    /// <summary>Throws <see cref="TooManyRequestsException"/> while the address may not try again.</summary>
    public void EnsureAllowed(string clientIp)
    {
        if (options.Value.Enabled && _refusedUntil.TryGet(clientIp, out var until) && until > time.GetUtcNow())
        {
            RateLimitMetrics.Rejections.Add(1, new KeyValuePair<string, object?>("group", RateLimitGroups.AuthFailures));
            throw new TooManyRequestsException(Ceiling(until - time.GetUtcNow()));
        }
    }

    /// <summary>Counts a failed authentication; throws <see cref="TooManyRequestsException"/> when the address had none left.</summary>
    public async ValueTask RecordFailureAsync(string clientIp, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var rule = options.Value.AuthFailures;
        var decision = await limiter.AcquireAsync(
            RateLimitGroups.AuthFailures,
            "ip:" + clientIp,
            new TokenBucket(rule.Burst, rule.PerSecond),
            1,
            cancellationToken
        );
        if (!decision.Allowed)
        {
            var wait = Ceiling(decision.RetryAfter);
            _refusedUntil.Set(clientIp, time.GetUtcNow() + wait, time.GetUtcNow() + wait);
            RateLimitMetrics.Rejections.Add(1, new KeyValuePair<string, object?>("group", RateLimitGroups.AuthFailures));
            throw new TooManyRequestsException(wait);
        }
    }

    /// <summary>Whole seconds, at least one (Retry-After has a precision of seconds).</summary>
    private static TimeSpan Ceiling(TimeSpan wait) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));

    public void Dispose() => _refusedUntil.Dispose();
}
