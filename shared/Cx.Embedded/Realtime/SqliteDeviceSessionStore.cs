using System.Security.Cryptography;
using Cx.Core.Privacy;
using Cx.Core.Realtime;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cx.Embedded.Realtime;

/// <summary>Embedded device sessions: <c>realtime_sessions</c> in the SQLite file of the embedded store; expired rows are never returned and are deleted on the next create.</summary>
public sealed class SqliteDeviceSessionStore(SqliteDatabase database, TimeProvider time)
    : IDeviceSessionStore,
        IPersonalDataEraser,
        IDisposable
{
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _ready;

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
                    CREATE TABLE IF NOT EXISTS realtime_sessions (
                        id TEXT PRIMARY KEY,
                        owner TEXT NOT NULL,
                        state BLOB NOT NULL,
                        version INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX IF NOT EXISTS realtime_sessions_expiry ON realtime_sessions (expires_at);
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

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask CreateAsync(DeviceSession session, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var now = Now;
        await database.WriteAsync(
            (s, _) =>
            {
                var prune = s.Command("DELETE FROM realtime_sessions WHERE expires_at <= $now");
                prune.Parameters.AddWithValue("$now", now);
                prune.ExecuteNonQuery();
                var insert = s.Command(
                    "INSERT INTO realtime_sessions (id, owner, state, version, expires_at) VALUES ($id, $owner, $state, $version, $expires)"
                );
                insert.Parameters.AddWithValue("$id", session.Id);
                insert.Parameters.AddWithValue("$owner", session.Owner);
                insert.Parameters.Add("$state", SqliteType.Blob).Value = session.State.ToArray();
                insert.Parameters.AddWithValue("$version", session.Version);
                insert.Parameters.AddWithValue("$expires", session.ExpiresAt.ToUnixTimeMilliseconds());
                return insert.ExecuteNonQuery();
            },
            cancellationToken
        );
    }

    public async ValueTask<DeviceSession?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var now = Now;
        return database.Read(s => Read(s, id, now));
    }

    private static DeviceSession? Read(SqliteSession session, string id, long now)
    {
        var command = session.Command(
            "SELECT owner, state, version, expires_at FROM realtime_sessions WHERE id = $id AND expires_at > $now"
        );
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$now", now);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new DeviceSession(
                id,
                reader.GetString(0),
                (byte[])reader[1],
                reader.GetInt64(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))
            )
            : null;
    }

    public async ValueTask<DeviceSession?> ReplaceAsync(
        string id,
        ReadOnlyMemory<byte> state,
        long version,
        CancellationToken cancellationToken
    )
    {
        await EnsureSchemaAsync(cancellationToken);
        var now = Now;
        return await database.WriteAsync(
            (s, _) =>
            {
                var update = s.Command(
                    "UPDATE realtime_sessions SET state = $state, version = version + 1 WHERE id = $id AND version = $version AND expires_at > $now"
                );
                update.Parameters.AddWithValue("$id", id);
                update.Parameters.Add("$state", SqliteType.Blob).Value = state.ToArray();
                update.Parameters.AddWithValue("$version", version);
                update.Parameters.AddWithValue("$now", now);
                return update.ExecuteNonQuery() == 1 ? Read(s, id, now) : null;
            },
            cancellationToken
        );
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var now = Now;
        return await database.WriteAsync(
            (s, _) =>
            {
                var delete = s.Command("DELETE FROM realtime_sessions WHERE id = $id AND expires_at > $now");
                delete.Parameters.AddWithValue("$id", id);
                delete.Parameters.AddWithValue("$now", now);
                return delete.ExecuteNonQuery() == 1;
            },
            cancellationToken
        );
    }

    public string Store => ErasureStores.DeviceSessions;

    /// <summary>
    /// An erasure (ADR 0454) deletes every session the customer created (expired ones too) and the
    /// publications of their <c>session:{id}</c> channels, which carried the sessions' state.
    /// </summary>
    public async ValueTask<ErasureStep> EraseAsync(ErasureSubject subject, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var owner = "customer:" + subject.CustomerId;
        return await database.WriteAsync(
            (s, _) =>
            {
                var find = s.Command("SELECT id, state FROM realtime_sessions WHERE owner = $o ORDER BY id");
                find.Parameters.AddWithValue("$o", owner);
                var ids = new List<string>();
                var hashes = new List<string>();
                using (var reader = find.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        ids.Add(reader.GetString(0));
                        hashes.Add(Convert.ToHexStringLower(SHA256.HashData((byte[])reader.GetValue(1))));
                    }
                }
                var delete = s.Command("DELETE FROM realtime_sessions WHERE owner = $o");
                delete.Parameters.AddWithValue("$o", owner);
                delete.ExecuteNonQuery();
                var logged = s.Command("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'realtime_log'");
                if ((long)logged.ExecuteScalar()! > 0)
                {
                    foreach (var table in (string[])["realtime_log", "realtime_channels"])
                    {
                        var channel = s.Command($"DELETE FROM {table} WHERE channel = $c");
                        var name = channel.Parameters.Add("$c", SqliteType.Text);
                        foreach (var id in ids)
                        {
                            name.Value = "session:" + id;
                            channel.ExecuteNonQuery();
                        }
                    }
                }
                return new ErasureStep(Store, "deleted", ids.Count, hashes);
            },
            cancellationToken,
            solo: true
        );
    }

    public void Dispose() => _schemaLock.Dispose();
}
