using Cx.Core.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Cx.Azure.Redis;

/// <summary>
/// Token buckets in Redis, shared by every instance that uses it: one hash per (group, caller)
/// holding the tokens left and when they were counted, refilled continuously by one atomic Lua
/// script on Redis's own clock, with an expiry of the time it takes to fill up again (idle buckets
/// disappear). When Redis cannot answer within the timeout, the decision is made by an in-process
/// limiter instead (per instance, as without Redis), logged and counted
/// (<c>cx.rate_limits.redis_fallbacks</c>); after repeated failures a circuit breaker leaves Redis
/// alone for <see cref="RedisRateLimitOptions.BreakSeconds"/>. See docs/decisions/0302.
/// </summary>
public sealed partial class RedisRateLimiter : IRateLimiter, IDisposable
{
    /// <summary>KEYS[1] bucket; ARGV burst, refill per second, permits (0 asks without taking). Returns {granted, retry-after ms}.</summary>
    internal const string Script = """
        local burst = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local permits = tonumber(ARGV[3])
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1])
        local at = tonumber(state[2])
        if tokens == nil or at == nil then
          tokens = burst
          at = now
        end
        if now > at then
          tokens = math.min(burst, tokens + (now - at) * rate / 1000)
          at = now
        end
        local needed = math.max(permits, 1)
        if tokens < needed then
          return {0, math.ceil((needed - tokens) * 1000 / rate)}
        end
        if permits > 0 then
          tokens = tokens - permits
          redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
          redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
        end
        return {1, 0}
        """;

    private readonly RedisRateLimitOptions _options;
    private readonly ILogger<RedisRateLimiter> _logger;
    private readonly InProcessRateLimiter _fallback = new();
    private readonly Task<ConnectionMultiplexer> _connection;
    private readonly ResiliencePipeline _breaker;

    public RedisRateLimiter(IOptions<RedisRateLimitOptions> options, ILogger<RedisRateLimiter> logger, TimeProvider time)
    {
        _options = options.Value;
        _logger = logger;
        var configuration = ConfigurationOptions.Parse(_options.ConnectionString!);
        // Start without Redis rather than fail: until it answers, each instance limits alone.
        configuration.AbortOnConnectFail = false;
        // While disconnected, commands fail at once instead of queueing until the timeout.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.AsyncTimeout = _options.TimeoutMilliseconds;
        configuration.SyncTimeout = _options.TimeoutMilliseconds;
        configuration.ClientName ??= "cx-rate-limits";
        _connection = ConnectionMultiplexer.ConnectAsync(configuration);
        _breaker = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(
                new CircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 2,
                    SamplingDuration = TimeSpan.FromSeconds(10),
                    BreakDuration = TimeSpan.FromSeconds(_options.BreakSeconds),
                    ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
                    OnOpened = _ =>
                    {
                        LogBreakerOpened(_logger, _options.BreakSeconds);
                        return default;
                    },
                    OnClosed = _ =>
                    {
                        LogBreakerClosed(_logger);
                        return default;
                    },
                }
            )
            .Build();
    }

    public async ValueTask<RateLimitDecision> AcquireAsync(
        string group,
        string caller,
        TokenBucket bucket,
        int permits,
        CancellationToken cancellationToken
    )
    {
        try
        {
            return await _breaker.ExecuteAsync(
                static async (state, token) => await state.Limiter.EvaluateAsync(state.Key, state.Bucket, state.Permits, token),
                (Limiter: this, Key: _options.KeyPrefix + group + ":" + caller, Bucket: bucket, Permits: permits),
                cancellationToken
            );
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutException)
        {
            var reason = ex switch
            {
                BrokenCircuitException => "circuit-open",
                TimeoutException => "timeout",
                _ => "error",
            };
            if (ex is not BrokenCircuitException)
            {
                LogRedisFailed(_logger, ex, reason);
            }
            RateLimitMetrics.RedisFallbacks.Add(1, new KeyValuePair<string, object?>("reason", reason));
            return await _fallback.AcquireAsync(group, caller, bucket, permits, cancellationToken);
        }
    }

    /// <summary>Completes once Redis is connected (tests: decisions before that are this instance's alone).</summary>
    internal async Task WhenConnectedAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.WaitAsync(cancellationToken);
        while (!connection.IsConnected)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    private async ValueTask<RateLimitDecision> EvaluateAsync(
        string key,
        TokenBucket bucket,
        int permits,
        CancellationToken cancellationToken
    )
    {
        // The first decisions wait for the first connection only as long as for any answer.
        var connection = await _connection.WaitAsync(TimeSpan.FromMilliseconds(_options.TimeoutMilliseconds), cancellationToken);
        var result = (RedisResult[])
            (await connection.GetDatabase().ScriptEvaluateAsync(Script, [new RedisKey(key)], [bucket.Burst, bucket.PerSecond, permits]))!;
        return (int)result[0] == 1 ? RateLimitDecision.Granted : new RateLimitDecision(false, TimeSpan.FromMilliseconds((long)result[1]));
    }

    public void Dispose()
    {
        _fallback.Dispose();
        if (_connection.IsCompletedSuccessfully)
        {
            _connection.Result.Dispose();
        }
    }

    [LoggerMessage(
        EventId = 4100,
        Level = LogLevel.Warning,
        Message = "Redis did not answer a rate-limit decision ({Reason}); this instance decided alone"
    )]
    private static partial void LogRedisFailed(ILogger logger, Exception exception, string reason);

    [LoggerMessage(
        EventId = 4101,
        Level = LogLevel.Warning,
        Message = "Redis is failing: rate limits are counted per instance for the next {BreakSeconds} s"
    )]
    private static partial void LogBreakerOpened(ILogger logger, int breakSeconds);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Redis answers again: rate limits are shared between instances")]
    private static partial void LogBreakerClosed(ILogger logger);
}
