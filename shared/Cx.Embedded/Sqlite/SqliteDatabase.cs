using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// Connections to the embedded database: one writer (writes are serialized, as SQLite allows
/// one writer at a time) and a pool of readers that run concurrently in WAL mode. Each
/// connection keeps its prepared statements, so a hot query is parsed once per connection.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SqliteOptions _options;
    private readonly string _connectionString;
    private SqliteSession? _writer;
    private int _pooled;

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

    /// <summary>Runs <paramref name="work"/> in an immediate transaction on the writer; commits when it returns.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteSession, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var writer = _writer ??= Open(readOnly: false);
            using var transaction = writer.Connection.BeginTransaction(deferred: false);
            writer.Transaction = transaction;
            try
            {
                var result = work(writer, transaction);
                transaction.Commit();
                return result;
            }
            finally
            {
                writer.Transaction = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs schema statements on the writer, outside a transaction.</summary>
    public async Task ExecuteSchemaAsync(string sql, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var writer = _writer ??= Open(readOnly: false);
            using var command = writer.Connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
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

    public void Dispose()
    {
        while (_readers.TryTake(out var session))
        {
            session.Dispose();
        }
        _writer?.Dispose();
        _writeLock.Dispose();
    }
}

/// <summary>An open connection with its cache of prepared commands (not thread-safe: one user at a time).</summary>
public sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private const int MaxCachedCommands = 256;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction? Transaction { get; set; }

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
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        Connection.Dispose();
    }
}
