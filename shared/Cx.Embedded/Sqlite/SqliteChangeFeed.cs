using System.Globalization;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// The change feed of the embedded store: the <c>changes</c> table, in commit order (one
/// writer, so sequence order is commit order). Checkpoints are sequence numbers per consumer.
/// </summary>
public sealed class SqliteChangeFeed(SqliteDatabase database, TimeProvider time, IOptions<SqliteOptions> options) : IChangeFeed
{
    public ValueTask<ChangeBatch> ReadAsync(string consumer, int maxItems, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var batch = database.Read(session =>
        {
            var position = ReadCheckpoint(session, consumer);
            var command = session.Command(
                "SELECT seq, container, pk, id, type, kind, etag, at, before, after FROM changes WHERE seq > $after ORDER BY seq LIMIT $limit"
            );
            command.Parameters.AddWithValue("$after", position);
            command.Parameters.AddWithValue("$limit", maxItems);
            var changes = new List<ChangeRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                position = reader.GetInt64(0);
                changes.Add(
                    new ChangeRecord(
                        position.ToString(CultureInfo.InvariantCulture),
                        reader.GetString(1),
                        reader.GetString(3),
                        reader.GetString(2),
                        reader.GetString(4),
                        (ChangeKind)reader.GetInt32(5),
                        reader.GetString(6),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                        // Typed as nullable memory: a null byte[] would convert to an empty body, not to null.
                        reader.IsDBNull(8)
                            ? null
                            : (ReadOnlyMemory<byte>?)SqliteDocumentStore.ReadBody(reader, 8),
                        reader.IsDBNull(9) ? null : (ReadOnlyMemory<byte>?)SqliteDocumentStore.ReadBody(reader, 9)
                    )
                );
            }
            return new ChangeBatch(changes, position.ToString(CultureInfo.InvariantCulture));
        });
        return ValueTask.FromResult(batch);
    }

    public async ValueTask CommitAsync(string consumer, string checkpoint, CancellationToken cancellationToken)
    {
        if (!long.TryParse(checkpoint, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            throw new ArgumentException($"'{checkpoint}' is not a checkpoint of this feed.", nameof(checkpoint));
        }
        await database.WriteAsync(
            (session, _) =>
            {
                // Checkpoints only move forward, so a late commit of an old batch cannot rewind a consumer.
                var command = session.Command(
                    "INSERT INTO checkpoints (consumer, position, updated_at) VALUES ($consumer, $position, $at) "
                        + "ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at "
                        + "WHERE CAST(excluded.position AS INTEGER) > CAST(checkpoints.position AS INTEGER)"
                );
                command.Parameters.AddWithValue("$consumer", consumer);
                command.Parameters.AddWithValue("$position", position.ToString(CultureInfo.InvariantCulture));
                command.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken
        );
    }

    /// <summary>
    /// Deletes changes that every consumer has passed and that are older than the retention
    /// period. Returns how many were removed.
    /// </summary>
    public async ValueTask<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddHours(-options.Value.ChangeRetentionHours).ToUnixTimeMilliseconds();
        return await database.WriteAsync(
            (session, _) =>
            {
                var command = session.Command(
                    "DELETE FROM changes WHERE at < $cutoff AND seq <= (SELECT IFNULL(MIN(CAST(position AS INTEGER)), 0) FROM checkpoints)"
                );
                command.Parameters.AddWithValue("$cutoff", cutoff);
                return command.ExecuteNonQuery();
            },
            cancellationToken
        );
    }

    private static long ReadCheckpoint(SqliteSession session, string consumer)
    {
        var command = session.Command("SELECT position FROM checkpoints WHERE consumer = $consumer");
        command.Parameters.AddWithValue("$consumer", consumer);
        var value = command.ExecuteScalar();
        return value is string text ? long.Parse(text, CultureInfo.InvariantCulture) : 0;
    }
}
