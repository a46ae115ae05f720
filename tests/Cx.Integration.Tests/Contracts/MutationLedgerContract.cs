using Cx.Core.Realtime;
using Cx.Embedded.Realtime;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// The offline-client ledger, the same on every adapter (ADR 0437): 0 for a client never seen,
/// compare-and-set advances (a stale or repeated counter is refused), clients kept apart (also
/// ids that would collide if joined), and exactly one winner when instances advance one client at once.
/// </summary>
public abstract class MutationLedgerContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A ledger over the test's store; each call is a new adapter instance (another app instance) on the same data.</summary>
    protected abstract IMutationLedger CreateLedger();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Should_start_at_zero_and_advance_only_from_the_current_counter()
    {
        var ledger = CreateLedger();
        Assert.Equal(0, await ledger.GetAsync("u1", "c1", default));
        Assert.False(await ledger.AdvanceAsync("u1", "c1", 3, 5, default));
        Assert.True(await ledger.AdvanceAsync("u1", "c1", 0, 3, default));
        Assert.False(await ledger.AdvanceAsync("u1", "c1", 0, 4, default));
        Assert.Equal(3, await ledger.GetAsync("u1", "c1", default));
        Assert.True(await CreateLedger().AdvanceAsync("u1", "c1", 3, 7, default));
        Assert.False(await ledger.AdvanceAsync("u1", "c1", 3, 8, default));
        Assert.Equal(7, await CreateLedger().GetAsync("u1", "c1", default));
    }

    [Fact]
    public async Task Should_keep_clients_and_users_apart()
    {
        var ledger = CreateLedger();
        Assert.True(await ledger.AdvanceAsync("u1", "c1", 0, 2, default));
        Assert.True(await ledger.AdvanceAsync("u1", "c2", 0, 5, default));
        Assert.True(await ledger.AdvanceAsync("u2", "c1", 0, 9, default));
        // Ids with the separator in them must not meet: ("a:b", "c") and ("a", "b:c").
        Assert.True(await ledger.AdvanceAsync("a:b", "c", 0, 1, default));
        Assert.True(await ledger.AdvanceAsync("a", "b:c", 0, 4, default));
        var counters = new[]
        {
            await ledger.GetAsync("u1", "c1", default),
            await ledger.GetAsync("u1", "c2", default),
            await ledger.GetAsync("u2", "c1", default),
            await ledger.GetAsync("a:b", "c", default),
            await ledger.GetAsync("a", "b:c", default),
        };
        Assert.Equal([2L, 5L, 9L, 1L, 4L], counters);
    }

    [Fact]
    public async Task Should_let_exactly_one_instance_win_each_concurrent_advance()
    {
        var ledgers = Enumerable.Range(0, 4).Select(_ => CreateLedger()).ToList();
        var first = await Task.WhenAll(ledgers.Select(l => l.AdvanceAsync("u", "busy", 0, 1, default).AsTask()));
        Assert.Single(first, won => won);
        var second = await Task.WhenAll(ledgers.Select((l, i) => l.AdvanceAsync("u", "busy", 1, 10 + i, default).AsTask()));
        Assert.Single(second, won => won);
        Assert.Equal(10 + Array.IndexOf(second, true), await ledgers[0].GetAsync("u", "busy", default));
    }
}

public sealed class SqliteMutationLedgerContractTests : MutationLedgerContract, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-contracts", Guid.NewGuid().ToString("n"));
    private readonly SqliteDatabase _database;
    private readonly List<IDisposable> _ledgers = [];

    public SqliteMutationLedgerContractTests()
    {
        Directory.CreateDirectory(_directory);
        _database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "cx.db") }));
    }

    protected override IMutationLedger CreateLedger()
    {
        var ledger = new SqliteMutationLedger(_database, Time);
        _ledgers.Add(ledger);
        return ledger;
    }

    public void Dispose()
    {
        foreach (var ledger in _ledgers)
        {
            ledger.Dispose();
        }
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow shutdown; the OS temp folder is cleaned eventually.
        }
    }
}
