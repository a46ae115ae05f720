using System.Globalization;
using System.Text;
using Cx.Core.Documents;
using Cx.Core.Notifications;
using Cx.Embedded.Sqlite;

namespace Cx.Embedded.Notifications;

/// <summary>
/// The embedded change history of entries: the rows of the <c>changes</c> table (what the change
/// feed hands to hooks, with the earlier body), still there until the feed's retention prunes them.
/// A read on the one connection pool of readers; it never waits for the writer.
/// </summary>
public sealed class SqliteNotificationChangeHistory(SqliteDatabase database) : INotificationChangeHistory
{
    public ValueTask<IReadOnlyList<ChangeRecord>> ReadAsync(
        string container,
        string type,
        IReadOnlyCollection<string> ids,
        int limit,
        CancellationToken cancellationToken
    )
    {
        if (ids.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<ChangeRecord>>([]);
        }
        var changes = database.Read(session =>
        {
            var sql = new StringBuilder(
                "SELECT seq, container, pk, id, type, kind, etag, at, before, after FROM changes WHERE container = $c AND type = $t AND kind = $upsert AND id IN ("
            );
            for (var i = 0; i < ids.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append("$id").Append(i.ToString(CultureInfo.InvariantCulture));
            }
            sql.Append(") ORDER BY seq DESC LIMIT $limit");
            var command = session.Command(sql.ToString()); // cached per number of ids
            var n = 0;
            foreach (var id in ids)
            {
                command.Parameters.AddWithValue("$id" + (n++).ToString(CultureInfo.InvariantCulture), id);
            }
            command.Parameters.AddWithValue("$c", container);
            command.Parameters.AddWithValue("$t", type);
            command.Parameters.AddWithValue("$upsert", (int)ChangeKind.Upsert);
            command.Parameters.AddWithValue("$limit", limit);
            var list = new List<ChangeRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                list.Add(
                    new ChangeRecord(
                        reader.GetInt64(0).ToString(CultureInfo.InvariantCulture),
                        reader.GetString(1),
                        reader.GetString(3),
                        reader.GetString(2),
                        reader.GetString(4),
                        (ChangeKind)reader.GetInt32(5),
                        reader.GetString(6),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                        reader.IsDBNull(8) ? null : (ReadOnlyMemory<byte>?)SqliteDocumentStore.ReadBody(reader, 8),
                        reader.IsDBNull(9) ? null : (ReadOnlyMemory<byte>?)SqliteDocumentStore.ReadBody(reader, 9)
                    )
                );
            }
            return list;
        });
        return ValueTask.FromResult<IReadOnlyList<ChangeRecord>>(changes);
    }
}
