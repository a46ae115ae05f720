using Cx.Core.Queues;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Queues;

/// <summary>
/// The embedded work queue, in the SQLite file of the embedded store (so an enqueue can share the
/// store's durability, and one backup holds both). <c>queue_messages</c> keeps every message with
/// its state (active, completed, dead); <c>queue_keys</c> keeps, per partition key, its head (the
/// oldest active message) and when that head may next be handed out, so a receive reads only the
/// heads that are due instead of the whole backlog. Leasing a head pushes its key's due time to
/// the lease's end, which is what makes a crashed consumer's message come back. Every operation is
/// one write transaction through the store's writer (group commit). Completed messages stay as
/// ids (without body) for the duplicate window, so a re-enqueued id is dropped.
/// </summary>
public sealed class SqliteWorkQueue(SqliteDatabase database, TimeProvider time, IOptions<WorkQueueOptions> options)
    : IWorkQueue,
        IDisposable
{
    private const int Active = 0;
    private const int Completed = 1;
    private const int Dead = 2;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _ready;
    private long _nextPruneAt;

    private async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }
        await _schemaLock.WaitAsync(cancellationToken);
        try
        {
            if (!_ready)
            {
                await database.ExecuteSchemaAsync(
                    """
                    CREATE TABLE IF NOT EXISTS queue_messages (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        queue TEXT NOT NULL,
                        id TEXT NOT NULL,
                        pk TEXT NOT NULL,
                        body BLOB NOT NULL,
                        enqueued_at INTEGER NOT NULL,
                        visible_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        lease TEXT,
                        state INTEGER NOT NULL DEFAULT 0,
                        settled_at INTEGER,
                        reason TEXT,
                        UNIQUE (queue, id)
                    );
                    CREATE INDEX IF NOT EXISTS queue_messages_active ON queue_messages (queue, pk, seq) WHERE state = 0;
                    CREATE INDEX IF NOT EXISTS queue_messages_settled ON queue_messages (state, settled_at) WHERE state <> 0;
                    CREATE TABLE IF NOT EXISTS queue_keys (
                        queue TEXT NOT NULL,
                        pk TEXT NOT NULL,
                        head INTEGER NOT NULL,
                        visible_at INTEGER NOT NULL,
                        PRIMARY KEY (queue, pk)
                    ) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS queue_keys_due ON queue_keys (queue, visible_at);
                    """,
                    cancellationToken
                );
                _ready = true;
            }
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    public async ValueTask EnqueueAsync(string queue, IReadOnlyList<QueueMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }
        foreach (var message in messages)
        {
            ArgumentException.ThrowIfNullOrEmpty(message.Id, nameof(messages));
            ArgumentException.ThrowIfNullOrEmpty(message.PartitionKey, nameof(messages));
        }
        await EnsureSchemaAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await database.WriteAsync(
            (session, _) =>
            {
                foreach (var message in messages)
                {
                    var visible = Math.Max(now, message.NotBefore?.ToUnixTimeMilliseconds() ?? now);
                    var insert = session.Command(
                        "INSERT INTO queue_messages (queue, id, pk, body, enqueued_at, visible_at) VALUES ($q, $id, $pk, $body, $now, $visible) "
                            + "ON CONFLICT (queue, id) DO NOTHING RETURNING seq"
                    );
                    insert.Parameters.AddWithValue("$q", queue);
                    insert.Parameters.AddWithValue("$id", message.Id);
                    insert.Parameters.AddWithValue("$pk", message.PartitionKey);
                    insert.Parameters.Add("$body", SqliteType.Blob).Value = message.Body.ToArray();
                    insert.Parameters.AddWithValue("$now", now);
                    insert.Parameters.AddWithValue("$visible", visible);
                    if (insert.ExecuteScalar() is not long seq)
                    {
                        continue; // a known id: idempotent enqueue
                    }
                    // A key without active messages gets this one as its head; a key with some keeps its older head.
                    var key = session.Command(
                        "INSERT INTO queue_keys (queue, pk, head, visible_at) VALUES ($q, $pk, $seq, $visible) ON CONFLICT (queue, pk) DO NOTHING"
                    );
                    key.Parameters.AddWithValue("$q", queue);
                    key.Parameters.AddWithValue("$pk", message.PartitionKey);
                    key.Parameters.AddWithValue("$seq", seq);
                    key.Parameters.AddWithValue("$visible", visible);
                    key.ExecuteNonQuery();
                }
                return 0;
            },
            cancellationToken,
            solo: messages.Count > 64
        );
    }

    public async ValueTask<IReadOnlyList<QueueDelivery>> ReceiveAsync(
        string queue,
        int maxMessages,
        TimeSpan lease,
        CancellationToken cancellationToken
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        await EnsureSchemaAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now >= Interlocked.Read(ref _nextPruneAt))
        {
            Interlocked.Exchange(ref _nextPruneAt, now + (long)PruneEvery.TotalMilliseconds);
            await PruneAsync(cancellationToken);
        }
        // Cheap check on a reader first, so an idle poll never takes the writer.
        var due = database.Read(session =>
        {
            var probe = session.Command("SELECT 1 FROM queue_keys WHERE queue = $q AND visible_at <= $now LIMIT 1");
            probe.Parameters.AddWithValue("$q", queue);
            probe.Parameters.AddWithValue("$now", now);
            return probe.ExecuteScalar() is not null;
        });
        if (!due)
        {
            return [];
        }
        var leaseEnd = now + (long)lease.TotalMilliseconds;
        return await database.WriteAsync<IReadOnlyList<QueueDelivery>>(
            (session, _) =>
            {
                var select = session.Command(
                    "SELECT k.pk, m.seq, m.id, m.body, m.attempts, m.enqueued_at FROM queue_keys k JOIN queue_messages m ON m.seq = k.head "
                        + "WHERE k.queue = $q AND k.visible_at <= $now ORDER BY k.visible_at, k.head LIMIT $limit"
                );
                select.Parameters.AddWithValue("$q", queue);
                select.Parameters.AddWithValue("$now", now);
                select.Parameters.AddWithValue("$limit", maxMessages);
                var rows = new List<(string Pk, long Seq, string Id, byte[] Body, int Attempts, long EnqueuedAt)>();
                using (var reader = select.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        rows.Add(
                            (
                                reader.GetString(0),
                                reader.GetInt64(1),
                                reader.GetString(2),
                                (byte[])reader.GetValue(3),
                                reader.GetInt32(4),
                                reader.GetInt64(5)
                            )
                        );
                    }
                }
                var deliveries = new List<QueueDelivery>(rows.Count);
                foreach (var row in rows)
                {
                    var token = Guid.NewGuid().ToString("n");
                    var message = session.Command("UPDATE queue_messages SET attempts = attempts + 1, lease = $lease WHERE seq = $seq");
                    message.Parameters.AddWithValue("$lease", token);
                    message.Parameters.AddWithValue("$seq", row.Seq);
                    message.ExecuteNonQuery();
                    var key = session.Command("UPDATE queue_keys SET visible_at = $until WHERE queue = $q AND pk = $pk");
                    key.Parameters.AddWithValue("$until", leaseEnd);
                    key.Parameters.AddWithValue("$q", queue);
                    key.Parameters.AddWithValue("$pk", row.Pk);
                    key.ExecuteNonQuery();
                    deliveries.Add(
                        new SqliteDelivery(
                            this,
                            queue,
                            row.Seq,
                            token,
                            row.Id,
                            row.Pk,
                            row.Body,
                            row.Attempts + 1,
                            DateTimeOffset.FromUnixTimeMilliseconds(row.EnqueuedAt)
                        )
                    );
                }
                return deliveries;
            },
            cancellationToken
        );
    }

    public async ValueTask<IReadOnlyList<DeadLetteredMessage>> ListDeadLettersAsync(
        string queue,
        int limit,
        CancellationToken cancellationToken
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await EnsureSchemaAsync(cancellationToken);
        return database.Read<IReadOnlyList<DeadLetteredMessage>>(session =>
        {
            var command = session.Command(
                "SELECT id, pk, body, attempts, reason FROM queue_messages WHERE state = 2 AND queue = $q ORDER BY settled_at DESC, seq DESC LIMIT $limit"
            );
            command.Parameters.AddWithValue("$q", queue);
            command.Parameters.AddWithValue("$limit", limit);
            var list = new List<DeadLetteredMessage>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                list.Add(
                    new DeadLetteredMessage(
                        queue,
                        reader.GetString(0),
                        reader.GetString(1),
                        (byte[])reader.GetValue(2),
                        reader.GetInt32(3),
                        reader.IsDBNull(4) ? "" : reader.GetString(4)
                    )
                );
            }
            return list;
        });
    }

    /// <summary>Drops completed message ids older than the duplicate window. Returns how many were removed.</summary>
    public async ValueTask<int> PruneAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var cutoff = time.GetUtcNow().AddHours(-options.Value.DuplicateWindowHours).ToUnixTimeMilliseconds();
        return await database.WriteAsync(
            (session, _) =>
            {
                var command = session.Command("DELETE FROM queue_messages WHERE state = 1 AND settled_at < $cutoff");
                command.Parameters.AddWithValue("$cutoff", cutoff);
                return command.ExecuteNonQuery();
            },
            cancellationToken
        );
    }

    private async ValueTask SettleAsync(
        SqliteDelivery delivery,
        int state,
        TimeSpan retryAfter,
        string? reason,
        CancellationToken cancellationToken
    )
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var settled = await database.WriteAsync(
            (session, _) =>
            {
                if (state == Active)
                {
                    var retryAt = now + (long)retryAfter.TotalMilliseconds;
                    var abandon = session.Command(
                        "UPDATE queue_messages SET lease = NULL, visible_at = $at, reason = $reason WHERE seq = $seq AND lease = $lease AND state = 0"
                    );
                    abandon.Parameters.AddWithValue("$at", retryAt);
                    abandon.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
                    abandon.Parameters.AddWithValue("$seq", delivery.Seq);
                    abandon.Parameters.AddWithValue("$lease", delivery.Lease);
                    if (abandon.ExecuteNonQuery() == 0)
                    {
                        return false;
                    }
                    var key = session.Command("UPDATE queue_keys SET visible_at = $at WHERE queue = $q AND pk = $pk");
                    key.Parameters.AddWithValue("$at", retryAt);
                    key.Parameters.AddWithValue("$q", delivery.Queue);
                    key.Parameters.AddWithValue("$pk", delivery.PartitionKey);
                    key.ExecuteNonQuery();
                    return true;
                }
                var settle = session.Command(
                    state == Completed
                        ? "UPDATE queue_messages SET state = 1, lease = NULL, settled_at = $now, body = x'' WHERE seq = $seq AND lease = $lease AND state = 0"
                        : "UPDATE queue_messages SET state = 2, lease = NULL, settled_at = $now, reason = $reason WHERE seq = $seq AND lease = $lease AND state = 0"
                );
                settle.Parameters.AddWithValue("$now", now);
                settle.Parameters.AddWithValue("$seq", delivery.Seq);
                settle.Parameters.AddWithValue("$lease", delivery.Lease);
                if (state == Dead)
                {
                    settle.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
                }
                if (settle.ExecuteNonQuery() == 0)
                {
                    return false;
                }
                AdvanceKey(session, delivery.Queue, delivery.PartitionKey, now);
                return true;
            },
            cancellationToken
        );
        if (!settled)
        {
            throw new QueueLeaseLostException(delivery.Queue, delivery.MessageId);
        }
    }

    /// <summary>Makes the key's next active message its head, or removes the key when it has none.</summary>
    private static void AdvanceKey(SqliteSession session, string queue, string pk, long now)
    {
        var next = session.Command(
            "SELECT seq, visible_at FROM queue_messages WHERE queue = $q AND pk = $pk AND state = 0 ORDER BY seq LIMIT 1"
        );
        next.Parameters.AddWithValue("$q", queue);
        next.Parameters.AddWithValue("$pk", pk);
        long? seq = null;
        long visible = now;
        using (var reader = next.ExecuteReader())
        {
            if (reader.Read())
            {
                seq = reader.GetInt64(0);
                visible = Math.Max(now, reader.GetInt64(1));
            }
        }
        var key = seq is null
            ? session.Command("DELETE FROM queue_keys WHERE queue = $q AND pk = $pk")
            : session.Command("UPDATE queue_keys SET head = $head, visible_at = $at WHERE queue = $q AND pk = $pk");
        key.Parameters.AddWithValue("$q", queue);
        key.Parameters.AddWithValue("$pk", pk);
        if (seq is not null)
        {
            key.Parameters.AddWithValue("$head", seq.Value);
            key.Parameters.AddWithValue("$at", visible);
        }
        key.ExecuteNonQuery();
    }

    public void Dispose() => _schemaLock.Dispose();

    private sealed class SqliteDelivery(
        SqliteWorkQueue owner,
        string queue,
        long seq,
        string lease,
        string messageId,
        string partitionKey,
        ReadOnlyMemory<byte> body,
        int attempt,
        DateTimeOffset enqueuedAt
    ) : QueueDelivery(queue, messageId, partitionKey, body, attempt, enqueuedAt)
    {
        public long Seq => seq;

        public string Lease => lease;

        public override ValueTask CompleteAsync(CancellationToken cancellationToken) =>
            owner.SettleAsync(this, Completed, TimeSpan.Zero, null, cancellationToken);

        public override ValueTask AbandonAsync(TimeSpan retryAfter, string reason, CancellationToken cancellationToken) =>
            owner.SettleAsync(this, Active, retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter, reason, cancellationToken);

        public override ValueTask DeadLetterAsync(string reason, CancellationToken cancellationToken) =>
            owner.SettleAsync(this, Dead, TimeSpan.Zero, reason, cancellationToken);
    }
}
