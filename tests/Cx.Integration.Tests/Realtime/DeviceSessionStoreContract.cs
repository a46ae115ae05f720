using System.Text;
using Cx.Azure.Redis;
using Cx.Core.Realtime;
using Cx.Embedded.Realtime;
using Cx.Embedded.Sqlite;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Realtime;

/// <summary>What every device-session store must do: expiry, compare-and-set changes, revocation.</summary>
public abstract class DeviceSessionStoreContract
{
    protected abstract IDeviceSessionStore Store { get; }

    protected abstract DateTimeOffset Now { get; }

    /// <summary>Waits until a session created with <paramref name="lifetime"/> has expired (advancing a fake clock, or waiting for the store's TTL).</summary>
    protected abstract Task ExpireAsync(string id, TimeSpan lifetime);

    private DeviceSession Session(TimeSpan lifetime, string state = """{"cart":[1]}""") =>
        new("s" + Guid.NewGuid().ToString("n"), "customer:ana", Encoding.UTF8.GetBytes(state), 1, Now + lifetime);

    [Fact]
    public async Task Should_store_and_read_a_session()
    {
        var session = Session(TimeSpan.FromMinutes(5));
        await Store.CreateAsync(session, default);
        var read = await Store.GetAsync(session.Id, default);
        Assert.NotNull(read);
        Assert.Equal("customer:ana", read.Owner);
        Assert.Equal(1, read.Version);
        Assert.Equal("""{"cart":[1]}""", Encoding.UTF8.GetString(read.State.Span));
        Assert.Equal(session.ExpiresAt.ToUnixTimeMilliseconds(), read.ExpiresAt.ToUnixTimeMilliseconds());
        Assert.Null(await Store.GetAsync("no-such-session", default));
    }

    [Fact]
    public async Task Should_change_the_state_only_from_the_current_version()
    {
        var session = Session(TimeSpan.FromMinutes(5));
        await Store.CreateAsync(session, default);
        var changed = await Store.ReplaceAsync(session.Id, Encoding.UTF8.GetBytes("""{"cart":[1,2]}"""), 1, default);
        Assert.NotNull(changed);
        Assert.Equal(2, changed.Version);
        Assert.Null(await Store.ReplaceAsync(session.Id, Encoding.UTF8.GetBytes("""{"cart":[]}"""), 1, default));
        var read = await Store.GetAsync(session.Id, default);
        Assert.Equal("""{"cart":[1,2]}""", Encoding.UTF8.GetString(read!.State.Span));
        Assert.Null(await Store.ReplaceAsync("no-such-session", Encoding.UTF8.GetBytes("{}"), 1, default));
    }

    [Fact]
    public async Task Should_forget_a_revoked_session()
    {
        var session = Session(TimeSpan.FromMinutes(5));
        await Store.CreateAsync(session, default);
        Assert.True(await Store.DeleteAsync(session.Id, default));
        Assert.Null(await Store.GetAsync(session.Id, default));
        Assert.False(await Store.DeleteAsync(session.Id, default));
        Assert.Null(await Store.ReplaceAsync(session.Id, Encoding.UTF8.GetBytes("{}"), 1, default));
    }

    [Fact]
    public async Task Should_end_a_session_when_its_time_is_up()
    {
        var lifetime = TimeSpan.FromSeconds(1);
        var session = Session(lifetime);
        await Store.CreateAsync(session, default);
        Assert.NotNull(await Store.GetAsync(session.Id, default));
        await ExpireAsync(session.Id, lifetime);
        Assert.Null(await Store.GetAsync(session.Id, default));
        Assert.Null(await Store.ReplaceAsync(session.Id, Encoding.UTF8.GetBytes("{}"), 1, default));
    }
}

/// <summary>The embedded store on a real SQLite file, with a fake clock.</summary>
public sealed class SqliteDeviceSessionStoreTests : DeviceSessionStoreContract, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-session-tests", Guid.NewGuid().ToString("n"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));
    private readonly SqliteDatabase _database;
    private readonly SqliteDeviceSessionStore _store;

    public SqliteDeviceSessionStoreTests()
    {
        _database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "cx.db") }));
        _store = new SqliteDeviceSessionStore(_database, _time);
    }

    protected override IDeviceSessionStore Store => _store;

    protected override DateTimeOffset Now => _time.GetUtcNow();

    protected override Task ExpireAsync(string id, TimeSpan lifetime)
    {
        _time.Advance(lifetime);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _store.Dispose();
        _database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }
}

/// <summary>The Redis store against a real redis-server, whose key expiry ends sessions.</summary>
public sealed class RedisDeviceSessionStoreTests : DeviceSessionStoreContract, IAsyncLifetime
{
    private RedisServer _redis = null!;
    private RedisDeviceSessionStore _store = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _store = new RedisDeviceSessionStore(
            Options.Create(new RedisSessionOptions { ConnectionString = _redis.ConnectionString, KeyPrefix = "test:session:" })
        );
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _redis.DisposeAsync();
    }

    protected override IDeviceSessionStore Store => _store;

    protected override DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    protected override Task ExpireAsync(string id, TimeSpan lifetime) =>
        SegmentApi.UntilAsync(async () => await _store.GetAsync(id, default) is null, "Redis to expire the session");
}
