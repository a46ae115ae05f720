using Cx.Embedded.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Analytics;

/// <summary>
/// The embedded analytics store's own SQLite file (never the document store's), shared by the
/// class of every analytics port (ADR 0101):
/// <list type="bullet">
/// <item><c>facts</c>: every distinct event, appended in processing order (so its pages are
/// written sequentially), with one unique index on (subject, 128-bit idempotency key) that is at
/// once the durable seen-ids store (kept for the fact retention) and the per-customer access
/// path of exact rolling windows, an index by (subject, time, key) that hands a customer's timeline
/// and access request out newest first a page at a time without sorting (ADR 0449; created on
/// start-up for a file made before it), and an index by (type, time) for bulk queries;</item>
/// <item><c>rollups</c>: counters by (type, granularity, breakdown, name, bucket, value), sums exact to 4 decimals;</item>
/// <item><c>blocks</c>: packed (subject, time) occurrences per type and UTC hour, for funnels and journeys;</item>
/// <item><c>subjects</c>/<c>event_types</c>: interned ids (<see cref="AnalyticsIds"/>); <c>aliases</c>: anonymous → customer links;</item>
/// <item><c>checkpoints</c>: stream positions, written in the same transaction as the effects (exactly-once).</item>
/// </list>
/// Reads go straight to <see cref="Read"/>; every write that may intern ids goes through
/// <see cref="WriteInterningAsync"/>, the only way to reach the one id cache.
/// </summary>
public sealed class AnalyticsDatabase : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS subjects (sid INTEGER PRIMARY KEY, subject TEXT NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS event_types (tid INTEGER PRIMARY KEY, type TEXT NOT NULL UNIQUE);
        CREATE TABLE IF NOT EXISTS facts (
            seq INTEGER PRIMARY KEY,
            sid INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            k BLOB NOT NULL,
            tid INTEGER NOT NULL,
            id TEXT NOT NULL,
            rt INTEGER NOT NULL,
            page TEXT,
            custom INTEGER NOT NULL,
            props BLOB NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_facts_subject_key ON facts(sid, k);
        CREATE INDEX IF NOT EXISTS ix_facts_tid_ts ON facts(tid, ts);
        CREATE INDEX IF NOT EXISTS ix_facts_sid_ts ON facts(sid, ts, k);
        CREATE TABLE IF NOT EXISTS rollups (
            tid INTEGER NOT NULL,
            g INTEGER NOT NULL,
            breakdown INTEGER NOT NULL,
            name TEXT NOT NULL,
            bucket INTEGER NOT NULL,
            value TEXT NOT NULL,
            count INTEGER NOT NULL,
            sum INTEGER NOT NULL,
            PRIMARY KEY (tid, g, breakdown, name, bucket, value)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blocks (
            tid INTEGER NOT NULL,
            hour INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            count INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (tid, hour, seq)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS aliases (
            anon_sid INTEGER PRIMARY KEY,
            customer_sid INTEGER NOT NULL,
            linked_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_aliases_customer ON aliases(customer_sid);
        CREATE TABLE IF NOT EXISTS checkpoints (
            partition TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    private readonly SqliteDatabase _database;
    private readonly AnalyticsIds _ids = new();
    private readonly SemaphoreSlim _init = new(1, 1);
    private volatile bool _initialized;

    public AnalyticsDatabase(EmbeddedEventsPaths paths, IOptions<SqliteOptions> sqlite)
    {
        _database = new SqliteDatabase(
            Options.Create(
                new SqliteOptions
                {
                    Path = paths.AnalyticsPath,
                    MaxPooledReaders = sqlite.Value.MaxPooledReaders,
                    // The fact indexes take random inserts (subject, idempotency key): a large page cache keeps them in memory.
                    CacheSizeMb = Math.Max(256, sqlite.Value.CacheSizeMb),
                    BusyTimeoutMs = sqlite.Value.BusyTimeoutMs,
                }
            )
        );
    }

    public string FilePath => _database.FilePath;

    /// <summary>Creates the tables once per process (idempotent on the file).</summary>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }
        await _init.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }
            await _database.ExecuteSchemaAsync(Schema, cancellationToken);
            _initialized = true;
        }
        finally
        {
            _init.Release();
        }
    }

    /// <summary>Runs a read on a pooled reader connection (call <see cref="InitializeAsync"/> first).</summary>
    public T Read<T>(Func<SqliteSession, T> work) => _database.Read(work);

    /// <summary>A write that interns no ids (checkpoints, pruning, block compaction).</summary>
    public Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken, bool solo = false) =>
        _database.WriteAsync((session, _) => work(session), cancellationToken, solo);

    /// <summary>
    /// A write that may intern ids. When it fails, the ids it interned were rolled back with it, so the
    /// caches are dropped before the next write runs (they would point at rows that do not exist).
    /// </summary>
    public async Task<T> WriteInterningAsync<T>(Func<SqliteSession, AnalyticsIds, T> work, bool solo, CancellationToken cancellationToken)
    {
        try
        {
            return await _database.WriteAsync(
                (session, _) =>
                {
                    _ids.ForgetAfterFailure();
                    return work(session, _ids);
                },
                cancellationToken,
                solo
            );
        }
        catch
        {
            _ids.MarkStale();
            throw;
        }
    }

    public void Dispose()
    {
        _database.Dispose();
        _init.Dispose();
    }
}
