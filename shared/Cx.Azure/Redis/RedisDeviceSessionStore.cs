using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Cx.Core.Realtime;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Cx.Azure.Redis;

/// <summary>Device sessions on Redis (<c>Cx:Realtime:SessionProvider=Redis</c>), bound from <c>Cx:Realtime:Redis</c>.</summary>
public sealed class RedisSessionOptions
{
    public const string Section = "Cx:Realtime:Redis";

    /// <summary>A StackExchange.Redis connection string; in Azure a Key Vault reference. Required with the Redis provider.</summary>
    [Required]
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of every session key.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9:_.-]{1,64}$")]
    public string KeyPrefix { get; set; } = "cx:session:";
}

/// <summary>
/// Device sessions on Redis: one hash per session (owner, state, version) whose key expires with the
/// session, so Redis itself ends it; a change is compare-and-set on the version in one Lua script.
/// </summary>
public sealed class RedisDeviceSessionStore(IOptions<RedisSessionOptions> options) : IDeviceSessionStore, IDisposable
{
    private const string ReplaceScript = """
        if redis.call('HGET', KEYS[1], 'version') == ARGV[1] then
          redis.call('HSET', KEYS[1], 'state', ARGV[2], 'version', ARGV[3])
          return 1
        end
        return 0
        """;

    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() =>
    {
        var configuration = ConfigurationOptions.Parse(options.Value.ConnectionString!);
        configuration.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(configuration);
    });

    /// <summary>The multiplexer once connected, so disposing never waits on the connect.</summary>
    private ConnectionMultiplexer? _connected;

    private RedisKey Key(string id) => options.Value.KeyPrefix + id;

    private async Task<IDatabase> DatabaseAsync() => (_connected ??= await _connection.Value).GetDatabase();

    public async ValueTask CreateAsync(DeviceSession session, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync();
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(Key(session.Id)));
        _ = transaction.HashSetAsync(
            Key(session.Id),
            [
                new HashEntry("owner", session.Owner),
                new HashEntry("state", session.State.ToArray()),
                new HashEntry("version", session.Version),
                new HashEntry("expires", session.ExpiresAt.ToUnixTimeMilliseconds()),
            ]
        );
        _ = transaction.KeyExpireAsync(Key(session.Id), session.ExpiresAt.UtcDateTime);
        if (!await transaction.ExecuteAsync())
        {
            throw new InvalidOperationException("A session with this id exists already.");
        }
    }

    public async ValueTask<DeviceSession?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync();
        var fields = (await db.HashGetAllAsync(Key(id))).ToDictionary(e => e.Name.ToString(), e => e.Value);
        if (
            !fields.TryGetValue("owner", out var owner)
            || !fields.TryGetValue("state", out var state)
            || !fields.TryGetValue("version", out var version)
            || !fields.TryGetValue("expires", out var expires)
        )
        {
            return null;
        }
        return new DeviceSession(
            id,
            owner.ToString(),
            (byte[])state!,
            (long)version,
            DateTimeOffset.FromUnixTimeMilliseconds((long)expires)
        );
    }

    public async ValueTask<DeviceSession?> ReplaceAsync(
        string id,
        ReadOnlyMemory<byte> state,
        long version,
        CancellationToken cancellationToken
    )
    {
        var db = await DatabaseAsync();
        var replaced = (long)
            await db.ScriptEvaluateAsync(
                ReplaceScript,
                [Key(id)],
                [version.ToString(CultureInfo.InvariantCulture), state.ToArray(), (version + 1).ToString(CultureInfo.InvariantCulture)]
            );
        return replaced == 1 ? await GetAsync(id, cancellationToken) : null;
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        await (await DatabaseAsync()).KeyDeleteAsync(Key(id));

    public void Dispose()
    {
        _connected?.Dispose();
    }
}
