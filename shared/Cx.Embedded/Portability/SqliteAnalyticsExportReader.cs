using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Core.Portability;
using Cx.Embedded.Analytics;
using Cx.Embedded.Sqlite;

namespace Cx.Embedded.Portability;

/// <summary>
/// Events and roll-up counters for exports, from the embedded analytics store
/// (<see cref="IAnalyticsExportReader"/>). Events are the retained <c>facts</c>, read per type in
/// (time, arrival) order along the (type, time) index; roll-ups follow their primary key. Each
/// page is one read of at most <c>limit</c> rows, so an export of any size holds one page.
/// </summary>
public sealed class SqliteAnalyticsExportReader(AnalyticsDatabase database) : IAnalyticsExportReader
{
    public async ValueTask<IReadOnlyList<ExportedEvent>> ReadEventsAsync(
        EventExportQuery query,
        EventPosition? after,
        int limit,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var rows = new List<ExportedEvent>(limit);
            foreach (var (tid, type) in TypesFrom(session, query.EventType, after?.TypeId))
            {
                var position = after is { } a && a.TypeId == tid ? a : new EventPosition(tid, long.MinValue, long.MinValue);
                var command = session.Command(
                    "SELECT f.seq, f.ts, f.id, s.subject, f.rt, f.page, f.custom, f.props FROM facts f "
                        + "JOIN subjects s ON s.sid = f.sid WHERE f.tid = $tid AND f.ts >= $from AND f.ts < $to "
                        + "AND (f.ts, f.seq) > ($ts, $seq) ORDER BY f.ts, f.seq LIMIT $limit"
                );
                command.Parameters.AddWithValue("$tid", tid);
                command.Parameters.AddWithValue("$from", query.From.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$to", query.To.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$ts", position.TimestampMs);
                command.Parameters.AddWithValue("$seq", position.Sequence);
                command.Parameters.AddWithValue("$limit", limit - rows.Count);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var subject = reader.GetString(3);
                    var customer = SubjectKeys.IsCustomer(subject);
                    var ts = reader.GetInt64(1);
                    rows.Add(
                        new ExportedEvent(
                            new TrackedEvent
                            {
                                Id = reader.GetString(2),
                                Type = type,
                                CustomerId = customer ? SubjectKeys.IdOf(subject) : null,
                                AnonymousId = customer ? null : SubjectKeys.IdOf(subject),
                                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ts),
                                ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                                Page = reader.IsDBNull(5) ? null : reader.GetString(5),
                                Custom = reader.GetInt64(6) != 0,
                                Properties = (byte[])reader.GetValue(7),
                            },
                            new EventPosition(tid, ts, reader.GetInt64(0))
                        )
                    );
                }
                if (rows.Count == limit)
                {
                    break;
                }
            }
            return (IReadOnlyList<ExportedEvent>)rows;
        });
    }

    public async ValueTask<IReadOnlyList<ExportedRollup>> ReadRollupsAsync(
        RollupExportQuery query,
        RollupPosition? after,
        int limit,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var rows = new List<ExportedRollup>(limit);
            foreach (var (tid, type) in TypesFrom(session, query.EventType, after?.TypeId))
            {
                var position = after is { } a && a.TypeId == tid ? a : new RollupPosition(tid, -1, "", long.MinValue, "");
                var command = session.Command(
                    "SELECT breakdown, name, bucket, value, count, sum FROM rollups WHERE tid = $tid AND g = $g "
                        + "AND bucket >= $from AND bucket < $to AND (breakdown, name, bucket, value) > ($b, $n, $bucket, $v) "
                        + "ORDER BY breakdown, name, bucket, value LIMIT $limit"
                );
                command.Parameters.AddWithValue("$tid", tid);
                command.Parameters.AddWithValue("$g", (int)query.Granularity);
                command.Parameters.AddWithValue("$from", query.From.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$to", query.To.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$b", position.Breakdown);
                command.Parameters.AddWithValue("$n", position.Name);
                command.Parameters.AddWithValue("$bucket", position.Bucket);
                command.Parameters.AddWithValue("$v", position.Value);
                command.Parameters.AddWithValue("$limit", limit - rows.Count);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var breakdown = reader.GetInt32(0);
                    var name = reader.GetString(1);
                    var bucket = reader.GetInt64(2);
                    var value = reader.GetString(3);
                    rows.Add(
                        new ExportedRollup(
                            type,
                            query.Granularity,
                            (RollupBreakdown)breakdown,
                            name,
                            DateTimeOffset.FromUnixTimeMilliseconds(bucket),
                            value,
                            reader.GetInt64(4),
                            (decimal)reader.GetInt64(5) / RollupMath.SumScale,
                            new RollupPosition(tid, breakdown, name, bucket, value)
                        )
                    );
                }
                if (rows.Count == limit)
                {
                    break;
                }
            }
            return (IReadOnlyList<ExportedRollup>)rows;
        });
    }

    /// <summary>The event types in id order from <paramref name="fromTypeId"/> on, or the one named.</summary>
    private static List<(long Id, string Type)> TypesFrom(SqliteSession session, string? eventType, long? fromTypeId)
    {
        var command = session.Command(
            "SELECT tid, type FROM event_types WHERE tid >= $from AND ($type IS NULL OR type = $type) ORDER BY tid"
        );
        command.Parameters.AddWithValue("$from", fromTypeId ?? long.MinValue);
        command.Parameters.AddWithValue("$type", (object?)eventType ?? DBNull.Value);
        return AnalyticsQueries.ReadAll(command, static reader => (reader.GetInt64(0), reader.GetString(1)));
    }
}
