using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// Connections to the embedded database: one writer (writes are serialized, as SQLite allows
/// one writer at a time) and a pool of readers that run concurrently in WAL mode. Each
/// connection keeps its prepared statements, so a hot query is parsed once per connection.
/// The writer never checkpoints the WAL itself: a background checkpointer on its own connection
/// copies committed pages into the database file after commits (passive mode, so neither the
/// writer nor readers wait for it), which keeps that I/O off the writer's path.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentQueue<PendingWrite> _queue = new();

    /// <summary>Most writes committed in one transaction.</summary>
    public const int MaxGroupWrites = 256;
    private readonly SqliteOptions _options;
    private readonly string _connectionString;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Events.AsyncSignal _committed = new();
    private SqliteSession? _writer;
    private Task? _checkpointer;
    private int _pooled;

    /// <summary>Shortest pause between two background checkpoints.</summary>
    private static readonly TimeSpan CheckpointPause = TimeSpan.FromMilliseconds(200);

    public SqliteDatabase(IOptions<SqliteOptions> options)
    {
        _options = options.Value;
        var path = System.IO.Path.GetFullPath(_options.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        FilePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = Math.Max(1, _options.BusyTimeoutMs / 1000),
        }.ToString();
    }

    public string FilePath { get; }

    /// <summary>Runs <paramref name="work"/> on a pooled reader connection.</summary>
    public T Read<T>(Func<SqliteSession, T> work)
    {
        if (!_readers.TryTake(out var session))
        {
            session = Open(readOnly: true);
        }
        else
        {
            Interlocked.Decrement(ref _pooled);
        }
        try
        {
            return work(session);
        }
        finally
        {
            if (Interlocked.Increment(ref _pooled) <= _options.MaxPooledReaders)
            {
                _readers.Add(session);
            }
            else
            {
                Interlocked.Decrement(ref _pooled);
                session.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the writer and returns once it is committed. Concurrent writes
    /// are committed together (group commit): whoever holds the writer runs every queued write in
    /// one immediate transaction, each inside its own savepoint, so a write that throws (a failed
    /// ETag check, a unique violation) is rolled back alone and its caller gets the exception, while
    /// the others commit. Every caller learns its outcome only after the commit, and each write sees
    /// the writes queued before it, exactly as if they had run one after another.
    /// The first write of a transaction needs no savepoint (if it fails, the whole transaction is
    /// rolled back before anything else runs). A <paramref name="solo"/> write (a large batch)
    /// always runs first and alone in its transaction: SQLite keeps a savepoint's undo pages in a
    /// sub-journal that it walks at the end of every statement, which makes a long write inside a
    /// savepoint quadratic.
    /// </summary>
    public async Task<T> WriteAsync<T>(
        Func<SqliteSession, SqliteTransaction, T> work,
        CancellationToken cancellationToken,
        bool solo = false
    )
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingWrite((session, transaction) => work(session, transaction), solo);
        _queue.Enqueue(pending);
        try
        {
            await _writeLock.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            if (pending.TryCancel())
            {
                throw;
            }
            // A group already took it: its outcome stands.
            return (T)(await pending.Outcome)!;
        }
        try
        {
            while (!pending.Outcome.IsCompleted)
            {
                CommitGroup();
            }
        }
        catch when (pending.TryCancel())
        {
            // The writer could not even start a transaction, and this write never ran.
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
        return (T)(await pending.Outcome)!;
    }

    /// <summary>Commits the queued writes (at most <see cref="MaxGroupWrites"/>) in one transaction. Holds the write lock.</summary>
    private void CommitGroup()
    {
        var writer = _writer ??= OpenWriter();
        var group = new List<(PendingWrite Write, object? Result, Exception? Error)>();
        PendingWrite? running = null;
        using (var transaction = writer.Connection.BeginTransaction(deferred: false))
        {
            writer.Transaction = transaction;
            try
            {
                // Only the lock holder dequeues, so a peeked write is the one dequeued next.
                while (group.Count < MaxGroupWrites && _queue.TryPeek(out var next) && (group.Count == 0 || !next.Solo))
                {
                    _queue.TryDequeue(out _);
                    if (!next.TryStart())
                    {
                        continue; // its caller gave up before it started
                    }
                    running = next;
                    if (group.Count == 0)
                    {
                        try
                        {
                            group.Add((next, next.Work(writer, transaction), null));
                        }
                        catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: 10 or 13 })
                        {
                            // Nothing else ran in this transaction: roll it back and fail the write alone.
                            transaction.Rollback();
                            running = null;
                            next.Fail(ex);
                            return;
                        }
                    }
                    else
                    {
                        Execute(writer, "SAVEPOINT w");
                        try
                        {
                            var result = next.Work(writer, transaction);
                            Execute(writer, "RELEASE w");
                            group.Add((next, result, null));
                        }
                        catch (Exception ex) when (ex is not SqliteException { SqliteErrorCode: 10 or 13 })
                        {
                            // The write's own failure (not the disk's: SQLITE_IOERR, SQLITE_FULL fail the group).
                            Execute(writer, "ROLLBACK TO w");
                            Execute(writer, "RELEASE w");
                            group.Add((next, null, ex));
                        }
                    }
                    running = null;
                    if (next.Solo)
                    {
                        break;
                    }
                }
                transaction.Commit();
                _committed.Set();
            }
            catch (Exception ex)
            {
                // The commit (or a savepoint statement) failed: nothing of the group is stored.
                foreach (var (write, _, _) in group)
                {
                    write.Fail(ex);
                }
                running?.Fail(ex);
                return;
            }
            finally
            {
                writer.Transaction = null;
            }
        }
        foreach (var (write, result, error) in group)
        {
            if (error is null)
            {
                write.Succeed(result);
            }
            else
            {
                write.Fail(error);
            }
        }
    }

    private static void Execute(SqliteSession session, string sql) => session.Command(sql).ExecuteNonQuery();

    /// <summary>A queued write: its work and, once its group commits, its outcome.</summary>
    private sealed class PendingWrite(Func<SqliteSession, SqliteTransaction, object?> work, bool solo)
    {
        private const int Queued = 0;
        private const int Started = 1;
        private const int Cancelled = 2;
        private readonly TaskCompletionSource<object?> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        public Func<SqliteSession, SqliteTransaction, object?> Work => work;

        public bool Solo => solo;

        public Task<object?> Outcome => _outcome.Task;

        public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

        public bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

        public void Succeed(object? result) => _outcome.TrySetResult(result);

        public void Fail(Exception error) => _outcome.TrySetException(error);
    }

    /// <summary>Runs schema statements on the writer, outside a transaction.</summary>
    public async Task ExecuteSchemaAsync(string sql, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var writer = _writer ??= OpenWriter();
            using var command = writer.Connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private SqliteSession OpenWriter()
    {
        var writer = Open(readOnly: false);
        writer.Command("PRAGMA wal_autocheckpoint = 0").ExecuteNonQuery();
        _checkpointer ??= Task.Run(() => CheckpointAsync(_stopping.Token));
        return writer;
    }

    private async Task CheckpointAsync(CancellationToken stopping)
    {
        using var session = Open(readOnly: false);
        var command = session.Command("PRAGMA wal_checkpoint(PASSIVE)");
        try
        {
            while (true)
            {
                await _committed.WaitAsync(TimeSpan.FromSeconds(30), stopping);
                try
                {
                    command.ExecuteNonQuery();
                }
                catch (SqliteException)
                {
                    // Busy or failing: the next commit asks again, and SQLite checkpoints on close.
                }
                await Task.Delay(CheckpointPause, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    private SqliteSession Open(bool readOnly)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA busy_timeout = {_options.BusyTimeoutMs};
            PRAGMA cache_size = -{_options.CacheSizeMb * 1024};
            PRAGMA temp_store = MEMORY;
            PRAGMA mmap_size = 268435456;
            PRAGMA foreign_keys = OFF;
            {(readOnly ? "PRAGMA query_only = 1;" : "")}
            """;
        pragma.ExecuteNonQuery();
        return new SqliteSession(connection);
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        try
        {
            _checkpointer?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException) { }
        while (_readers.TryTake(out var session))
        {
            session.Dispose();
        }
        _writer?.Dispose();
        _writeLock.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>An open connection with its cache of prepared commands (not thread-safe: one user at a time).</summary>
public sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private const int MaxCachedCommands = 256;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);

    public SqliteTransaction? Transaction { get; set; }

    /// <summary>A statement for <paramref name="sql"/> prepared once on this connection (see <see cref="SqliteStatement"/>).</summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(Connection, sql);
            _statements[sql] = statement;
        }
        return statement;
    }

    /// <summary>A prepared command for <paramref name="sql"/> with its parameters cleared.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxCachedCommands)
            {
                foreach (var cached in _commands.Values)
                {
                    cached.Dispose();
                }
                _commands.Clear();
            }
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Parameters.Clear();
        command.Transaction = Transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        Connection.Dispose();
    }
}
