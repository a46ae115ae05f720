using Cx.Core.Personalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Cx.Azure.Redis;

/// <summary>
/// Tag expiries between instances over Redis pub/sub (ADR 0405), beside the Redis L2: each expiry
/// is published on <c>{InstanceName}invalidate</c> as this instance's id and the tags; every other
/// instance hands them to its handlers (the personalization cache drops them from its memory), so
/// no instance serves its L1 copy for <c>LocalCacheSeconds</c> after a change elsewhere. Subscribed
/// at start; a message published while an instance is down is not replayed (its memory is empty then).
/// </summary>
public sealed partial class RedisCacheInvalidationBus(
    IOptions<PersonalizationRedisOptions> options,
    ILogger<RedisCacheInvalidationBus> logger
) : ICacheInvalidationBus, IHostedService, IDisposable
{
    private const char Separator = '\n';
    private readonly string _instance = Guid.NewGuid().ToString("n");
    private readonly List<Func<IReadOnlyCollection<string>, ValueTask>> _handlers = [];
    private readonly Lock _gate = new();
    private ConnectionMultiplexer? _connection;

    private RedisChannel Channel => RedisChannel.Literal(options.Value.InstanceName + "invalidate");

    public void Subscribe(Func<IReadOnlyCollection<string>, ValueTask> handler)
    {
        lock (_gate)
        {
            _handlers.Add(handler);
        }
    }

    public async ValueTask PublishAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        if (_connection is not { } connection || tags.Count == 0)
        {
            return;
        }
        var message = _instance + Separator + string.Join(Separator, tags);
        try
        {
            await connection.GetSubscriber().PublishAsync(Channel, message);
        }
        catch (RedisException error)
        {
            // The tags are already expired here and in L2; other instances catch up within LocalCacheSeconds.
            LogPublishFailed(error);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configuration = ConfigurationOptions.Parse(options.Value.ConnectionString!);
        configuration.AbortOnConnectFail = false;
        _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var queue = await _connection.GetSubscriber().SubscribeAsync(Channel);
        queue.OnMessage(ReceiveAsync);
    }

    private async Task ReceiveAsync(ChannelMessage message)
    {
        var parts = ((string?)message.Message ?? "").Split(Separator);
        if (parts.Length < 2 || parts[0] == _instance)
        {
            return;
        }
        IReadOnlyCollection<string> tags = parts[1..];
        Func<IReadOnlyCollection<string>, ValueTask>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }
        foreach (var handler in handlers)
        {
            try
            {
                await handler(tags);
            }
            catch (Exception error)
            {
                LogHandlerFailed(error);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } connection)
        {
            await connection.GetSubscriber().UnsubscribeAsync(Channel);
        }
    }

    public void Dispose() => _connection?.Dispose();

    [LoggerMessage(EventId = 1393, Level = LogLevel.Warning, Message = "Publishing a cache tag expiry to the other instances failed")]
    private partial void LogPublishFailed(Exception error);

    [LoggerMessage(EventId = 1394, Level = LogLevel.Warning, Message = "Applying a cache tag expiry from another instance failed")]
    private partial void LogHandlerFailed(Exception error);
}
