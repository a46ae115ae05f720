using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using CommunityToolkit.HighPerformance.Buffers;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Core.Privacy;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Events;

/// <summary>One row of the log without its data: a request's <see cref="Count"/> events, appended at <see cref="AppendedAtMs"/>.</summary>
public readonly record struct LogRow(long Seq, long AppendedAtMs, int Count);

/// <summary>Receives a log row and its events as NDJSON; the span is SQLite's memory, valid during the call only.</summary>
public delegate void LogRowReader(LogRow row, ReadOnlySpan<byte> data);

/// <summary>
/// The embedded event stream: an append-only log in its own SQLite file (WAL). Appends go
/// through a channel to one background writer that commits everything pending in one
/// transaction (group commit) and only then completes each caller's task: a 202 means the
/// events are committed. With synchronous=NORMAL a commit survives a process kill; with
/// <see cref="LogDurability.Full"/> also a power loss. One row per append keeps writes cheap;
/// the sequence (AUTOINCREMENT, never reused) is the stream position. An erasure rewrites the
/// rows that hold the customer's events in place (<see cref="EraseAsync"/>).
/// </summary>
public sealed partial class SqliteEventLog : IEventStream, IPersonalDataEraser, IAsyncDisposable
{
    private readonly Channel<PendingAppend> _queue;
    private readonly SqliteDatabase _database;
    private readonly EmbeddedEventsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SqliteEventLog> _logger;
    private readonly AsyncSignal _appended = new();
    private readonly Lock _startLock = new();
    private readonly IStreamCheckpointReader _checkpoints;
    private Task? _writer;
    private volatile bool _initialized;

    public SqliteEventLog(
        EmbeddedEventsPaths paths,
        IOptions<EmbeddedEventsOptions> options,
        IOptions<SqliteOptions> sqlite,
        TimeProvider time,
        ILogger<SqliteEventLog> logger,
        IStreamCheckpointReader checkpoints
    )
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _checkpoints = checkpoints;
        _database = new SqliteDatabase(
            Options.Create(
                new SqliteOptions
                {
                    Path = paths.LogPath,
                    MaxPooledReaders = 4,
                    CacheSizeMb = 16,
                    BusyTimeoutMs = sqlite.Value.BusyTimeoutMs,
                }
            )
        );
        _queue = Channel.CreateBounded<PendingAppend>(
            new BoundedChannelOptions(_options.AppendQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }
        );
    }

    /// <summary>The embedded stream has one partition.</summary>
    public const string Partition = "0";

    /// <summary>Set after every commit, so the processor wakes without polling.</summary>
    public AsyncSignal Appended => _appended;

    public string FilePath => _database.FilePath;

    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }
        await _database.ExecuteSchemaAsync(
            $"""
            CREATE TABLE IF NOT EXISTS event_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at INTEGER NOT NULL,
                count INTEGER NOT NULL,
                data BLOB NOT NULL
            );
            {(_options.Durability == LogDurability.Full ? "PRAGMA synchronous = FULL;" : "")}
            """,
            cancellationToken
        );
        _initialized = true;
    }

    public async ValueTask AppendAsync(IReadOnlyList<TrackedEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        EnsureWriter();
        var pending = new PendingAppend(EventCodec.EncodeLines(events), events.Count);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch
        {
            pending.Release(); // never queued: the writer will not see it
            throw;
        }
        // Once queued the append is committed whatever the caller does; waiting is what makes the 202 honest.
        await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask<StreamStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        var processed = await _checkpoints.GetCheckpointAsync(Partition, cancellationToken) ?? 0;
        var (head, lag) = _database.Read(session =>
        {
            var command = session.Command(
                "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'event_log'), 0), "
                    + "coalesce((SELECT sum(count) FROM event_log WHERE seq > $after), 0)"
            );
            command.Parameters.AddWithValue("$after", processed);
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.GetInt64(1));
        });
        return new StreamStatus("Embedded", head, processed, lag);
    }

    /// <summary>
    /// Rows after <paramref name="afterSeq"/>, in order, until they hold at least <paramref name="maxEvents"/>
    /// events, without their data (read that with <see cref="ReadData"/>).
    /// </summary>
    public IReadOnlyList<LogRow> Read(long afterSeq, int maxEvents, int maxRows = 10_000) =>
        _database.Read(session =>
        {
            var query = session.Statement("SELECT seq, at, count FROM event_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
            var rows = new List<LogRow>();
            try
            {
                query.Bind(1, afterSeq);
                query.Bind(2, Math.Min(maxRows, maxEvents));
                var events = 0;
                while (events < maxEvents && query.Step())
                {
                    var row = new LogRow(query.Int64(0), query.Int64(1), (int)query.Int64(2));
                    rows.Add(row);
                    events += row.Count;
                }
            }
            finally
            {
                query.Reset();
            }
            return (IReadOnlyList<LogRow>)rows;
        });

    /// <summary>
    /// Hands each row after <paramref name="afterSeq"/> through <paramref name="throughSeq"/> to
    /// <paramref name="reader"/>, in order, with its data straight from SQLite (no copy, so a large
    /// batch never becomes a large object on the managed heap).
    /// </summary>
    public void ReadData(long afterSeq, long throughSeq, LogRowReader reader) =>
        _database.Read(session =>
        {
            var query = session.Statement("SELECT seq, at, count, data FROM event_log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq");
            try
            {
                query.Bind(1, afterSeq);
                query.Bind(2, throughSeq);
                while (query.Step())
                {
                    reader(new LogRow(query.Int64(0), query.Int64(1), (int)query.Int64(2)), query.Blob(3));
                }
            }
            finally
            {
                query.Reset();
            }
            return 0;
        });

    /// <summary>How many events are in rows after <paramref name="afterSeq"/>, and when the oldest of them was appended.</summary>
    public (long Events, long? OldestAtMs) Pending(long afterSeq) =>
        _database.Read(session =>
        {
            var command = session.Command("SELECT coalesce(sum(count), 0), min(at) FROM event_log WHERE seq > $after");
            command.Parameters.AddWithValue("$after", afterSeq);
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.IsDBNull(1) ? (long?)null : reader.GetInt64(1));
        });

    /// <summary>Deletes rows at or before <paramref name="throughSeq"/> appended before <paramref name="beforeMs"/>.</summary>
    public Task<int> PruneAsync(long throughSeq, long beforeMs, CancellationToken cancellationToken) =>
        _database.WriteAsync(
            (session, _) =>
            {
                var command = session.Command("DELETE FROM event_log WHERE seq <= $through AND at < $before");
                command.Parameters.AddWithValue("$through", throughSeq);
                command.Parameters.AddWithValue("$before", beforeMs);
                return command.ExecuteNonQuery();
            },
            cancellationToken,
            solo: true
        );

    public string Store => ErasureStores.EventLog;

    /// <summary>
    /// An erasure (ADR 0454): every event of the customer or of one of their anonymous ids in the log
    /// gets the pseudonyms the analytics gave them (so a row the processor has not reached yet counts
    /// under the same subjects), and the events the processor has applied lose their properties (the
    /// analytics kept what it needed). Rows keep their sequence: the stream positions do not move.
    /// </summary>
    public async ValueTask<ErasureStep> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        var processed = await _checkpoints.GetCheckpointAsync(Partition, cancellationToken) ?? 0;
        List<byte[]> needles = [Needle("cid", subject.CustomerId), .. subject.AnonymousIds.Keys.Select(a => Needle("aid", a))];
        return await _database.WriteAsync(
            (session, _) =>
            {
                var find = session.Command(
                    "SELECT seq, data FROM event_log WHERE "
                        + string.Join(" OR ", needles.Select((_, i) => $"instr(data, $n{i}) > 0"))
                        + " ORDER BY seq"
                );
                for (var i = 0; i < needles.Count; i++)
                {
                    find.Parameters.AddWithValue($"$n{i}", needles[i]);
                }
                var rows = new List<(long Seq, byte[] Data)>();
                using (var reader = find.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
                    }
                }
                var update = session.Command("UPDATE event_log SET data = $d WHERE seq = $s");
                var data = update.Parameters.Add("$d", Microsoft.Data.Sqlite.SqliteType.Blob);
                var seq = update.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Integer);
                var hashes = new List<string>(rows.Count);
                var events = new List<TrackedEvent>();
                foreach (var row in rows)
                {
                    hashes.Add(Convert.ToHexStringLower(SHA256.HashData(row.Data)));
                    events.Clear();
                    EventCodec.DecodeLines(row.Data, events);
                    for (var i = 0; i < events.Count; i++)
                    {
                        events[i] = Pseudonymize(events[i], subject, applied: row.Seq <= processed);
                    }
                    using var lines = EventCodec.EncodeLines(events);
                    data.Value = lines.WrittenSpan.ToArray();
                    seq.Value = row.Seq;
                    update.ExecuteNonQuery();
                }
                return new ErasureStep(Store, "pseudonymized", rows.Count, hashes);
            },
            cancellationToken,
            solo: true
        );
    }

    private static byte[] Needle(string field, string id) =>
        [.. System.Text.Encoding.UTF8.GetBytes($"\"{field}\":"), .. JsonSerializer.SerializeToUtf8Bytes(id)];

    private static TrackedEvent Pseudonymize(TrackedEvent e, ErasureSubject subject, bool applied)
    {
        var customer = e.CustomerId == subject.CustomerId;
        var anonymous = e.AnonymousId is { } a && subject.AnonymousIds.ContainsKey(a);
        if (!customer && !anonymous)
        {
            return e;
        }
        return e with
        {
            CustomerId = customer ? subject.Pseudonym : e.CustomerId,
            AnonymousId =
                e.AnonymousId is { } id && subject.AnonymousIds.TryGetValue(id, out var pseudonym) ? pseudonym
                : customer ? null
                : e.AnonymousId,
            Properties = applied ? "{}"u8.ToArray() : e.Properties,
        };
    }

    private void EnsureWriter()
    {
        if (_writer is not null)
        {
            return;
        }
        lock (_startLock)
        {
            _writer ??= Task.Run(WriteLoopAsync);
        }
    }

    private async Task WriteLoopAsync()
    {
        await InitializeAsync(CancellationToken.None);
        var group = new List<PendingAppend>(_options.MaxAppendsPerCommit);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (group.Count < _options.MaxAppendsPerCommit && _queue.Reader.TryRead(out var next))
            {
                group.Add(next);
            }
            try
            {
                var at = _time.GetUtcNow().ToUnixTimeMilliseconds();
                await _database.WriteAsync(
                    (session, _) =>
                    {
                        var insert = session.Statement("INSERT INTO event_log (at, count, data) VALUES (?1, ?2, ?3)");
                        foreach (var append in group)
                        {
                            insert.Bind(1, at);
                            insert.Bind(2, append.Count);
                            insert.Bind(3, append.Data);
                            insert.Execute();
                        }
                        return 0;
                    },
                    CancellationToken.None
                );
                foreach (var append in group)
                {
                    append.Completion.TrySetResult();
                }
                _appended.Set();
            }
            catch (Exception ex)
            {
                LogAppendFailed(_logger, ex, group.Count);
                foreach (var append in group)
                {
                    append.Completion.TrySetException(ex);
                }
            }
            foreach (var append in group)
            {
                append.Release();
            }
            group.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer;
        }
        _database.Dispose();
    }

    /// <summary>An append waiting for the writer; its encoded events are in a pooled buffer until it is committed or failed.</summary>
    private sealed class PendingAppend(ArrayPoolBufferWriter<byte> lines, int count)
    {
        public ReadOnlySpan<byte> Data => lines.WrittenSpan;

        public int Count { get; } = count;

        public void Release() => lines.Dispose();

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Error, Message = "Appending {Count} requests to the event log failed")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, int count);
}

/// <summary>The resolved files of the embedded event stream and analytics store.</summary>
public sealed class EmbeddedEventsPaths
{
    public EmbeddedEventsPaths(IOptions<EmbeddedEventsOptions> options, IOptions<SqliteOptions> sqlite)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(sqlite.Value.Path)) ?? ".";
        LogPath = Path.GetFullPath(
            string.IsNullOrWhiteSpace(options.Value.LogPath) ? Path.Combine(folder, "events.db") : options.Value.LogPath
        );
        AnalyticsPath = Path.GetFullPath(
            string.IsNullOrWhiteSpace(options.Value.AnalyticsPath) ? Path.Combine(folder, "analytics.db") : options.Value.AnalyticsPath
        );
    }

    public string LogPath { get; }

    public string AnalyticsPath { get; }
}
