using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cx.Azure.Redis;
using Cx.Core.RateLimiting;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// When Redis is down the limiter keeps deciding (docs/decisions/0302): each instance counts alone,
/// as the in-process limiter does, with a warning in the log and a count in
/// <c>cx.rate_limits.redis_fallbacks</c>; when Redis is back the budget is shared again.
/// </summary>
public sealed class RedisRateLimiterOutageTests : IAsyncLifetime, IDisposable
{
    private readonly ListLogger _log = new();
    private readonly MeterListener _listener = new();
    private readonly List<RedisRateLimiter> _limiters = [];
    private long _fallbacks;
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RateLimitMetrics.Name && instrument.Name == "cx.rate_limits.redis_fallbacks")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _fallbacks, value));
        _listener.Start();
    }

    private RedisRateLimiter Create(string? connectionString = null)
    {
        var limiter = new RedisRateLimiter(
            Options.Create(new RedisRateLimitOptions { ConnectionString = connectionString ?? _redis.ConnectionString, BreakSeconds = 1 }),
            _log,
            TimeProvider.System
        );
        _limiters.Add(limiter);
        return limiter;
    }

    private static async Task<bool> TakeAsync(IRateLimiter limiter, string group, TokenBucket bucket) =>
        (await limiter.AcquireAsync(group, "c", bucket, 1, CancellationToken.None)).Allowed;

    private static string NewGroup() => "g-" + Guid.NewGuid().ToString("n");

    [Fact]
    public async Task Should_limit_per_instance_while_redis_is_down_and_share_again_when_it_is_back()
    {
        var first = Create();
        var second = Create();
        using var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await first.WhenConnectedAsync(connecting.Token);
        await second.WhenConnectedAsync(connecting.Token);
        var bucket = new TokenBucket(1, 0.01);
        var shared = NewGroup();
        Assert.True(await TakeAsync(first, shared, bucket));
        Assert.False(await TakeAsync(second, shared, bucket));

        await _redis.StopAsync();
        var before = Interlocked.Read(ref _fallbacks);
        var down = NewGroup();

        // Each instance still enforces the bucket, alone.
        Assert.True(await TakeAsync(first, down, bucket));
        Assert.False(await TakeAsync(first, down, bucket));
        Assert.True(await TakeAsync(second, down, bucket));
        Assert.False(await TakeAsync(second, down, bucket));
        Assert.True(Interlocked.Read(ref _fallbacks) >= before + 4, "every decision without Redis is counted");
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning);

        await _redis.RestartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var again = NewGroup();
            var fallbacks = Interlocked.Read(ref _fallbacks);
            if (
                await TakeAsync(first, again, bucket)
                && !await TakeAsync(second, again, bucket)
                && Interlocked.Read(ref _fallbacks) == fallbacks
            )
            {
                break;
            }
            await Task.Delay(200, timeout.Token);
        }
    }

    [Fact]
    public async Task Should_start_and_decide_when_redis_was_never_reachable()
    {
        var nowhere = await RedisServer.StartAsync();
        var address = nowhere.ConnectionString;
        await nowhere.StopAsync();

        var limiter = Create(address);
        var group = NewGroup();

        Assert.True(await TakeAsync(limiter, group, new TokenBucket(1, 0.01)));
        Assert.False(await TakeAsync(limiter, group, new TokenBucket(1, 0.01)));
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    public void Dispose()
    {
        _listener.Dispose();
        _limiters.ForEach(l => l.Dispose());
    }

    private sealed class ListLogger : ILogger<RedisRateLimiter>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        ) => Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
