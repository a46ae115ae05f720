using Cx.Core.Realtime;
using Cx.Embedded.Sqlite;

namespace Cx.Embedded.Realtime;

/// <summary>The embedded ledger of offline clients: <c>realtime_clients</c> in the SQLite file of the embedded store.</summary>
public sealed class SqliteMutationLedger(SqliteDatabase database, TimeProvider time) : IMutationLedger, IDisposable
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
                    CREATE TABLE IF NOT EXISTS realtime_clients (
                        user_id TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        last INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (user_id, client_id)
                    ) WITHOUT ROWID;
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

    public async ValueTask<long> GetAsync(string userId, string clientId, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        return database.Read(session =>
        {
            var command = session.Command("SELECT last FROM realtime_clients WHERE user_id = $u AND client_id = $c");
            command.Parameters.AddWithValue("$u", userId);
            command.Parameters.AddWithValue("$c", clientId);
            return command.ExecuteScalar() is long last ? last : 0;
        });
    }

    public async ValueTask<bool> AdvanceAsync(string userId, string clientId, long from, long to, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return await database.WriteAsync(
            (session, _) =>
            {
                var command = session.Command(
                    from == 0
                        ? "INSERT INTO realtime_clients (user_id, client_id, last, updated_at) VALUES ($u, $c, $to, $now) ON CONFLICT DO NOTHING"
                        : "UPDATE realtime_clients SET last = $to, updated_at = $now WHERE user_id = $u AND client_id = $c AND last = $from"
                );
                command.Parameters.AddWithValue("$u", userId);
                command.Parameters.AddWithValue("$c", clientId);
                command.Parameters.AddWithValue("$to", to);
                command.Parameters.AddWithValue("$now", now);
                if (from != 0)
                {
                    command.Parameters.AddWithValue("$from", from);
                }
                return command.ExecuteNonQuery() == 1;
            },
            cancellationToken
        );
    }

    public void Dispose() => _schemaLock.Dispose();
}
