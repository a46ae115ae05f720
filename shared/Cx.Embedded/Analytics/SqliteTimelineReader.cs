using System.Globalization;
using System.Text;
using Cx.Core.Analytics;
using Cx.Core.Events;

namespace Cx.Embedded.Analytics;

/// <summary>
/// A customer's events, newest first, from the facts of the embedded analytics store
/// (<see cref="ITimelineReader"/>): their own and those of the anonymous ids merged into them,
/// paged by (time, idempotency key). Each subject's page is read in order from the (subject, time,
/// key) index (ADR 0449): at most limit + 1 rows a subject, then merged, so a page costs the same
/// whether the customer has a hundred events or a hundred thousand (no sort of all their facts).
/// </summary>
public sealed class SqliteTimelineReader(AnalyticsDatabase database) : ITimelineReader
{
    public async ValueTask<TimelinePage> ReadTimelineAsync(
        string customerId,
        string? eventType,
        int limit,
        TimelinePosition? after,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var sids = AnalyticsQueries.SubjectIdsOf(session, customerId);
            long? tid = eventType is null ? null : AnalyticsQueries.TypeIdOf(session, eventType);
            if (sids.Count == 0 || (eventType is not null && tid is null))
            {
                return new TimelinePage([], null);
            }
            var command = session.Command(PageSql(sids.Count, tid is not null, after is not null));
            for (var i = 0; i < sids.Count; i++)
            {
                command.Parameters.AddWithValue($"$s{i}", sids[i]);
            }
            if (tid is not null)
            {
                command.Parameters.AddWithValue("$tid", tid.Value);
            }
            if (after is not null)
            {
                command.Parameters.AddWithValue("$ts", after.TimestampMs);
                command.Parameters.AddWithValue("$k", Convert.FromHexString(after.Key));
            }
            command.Parameters.AddWithValue("$limit", limit + 1);
            var items = new List<TrackedEvent>(limit + 1);
            var keys = new List<string>(limit + 1);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var subject = reader.GetString(4);
                var customer = SubjectKeys.IsCustomer(subject);
                items.Add(
                    new TrackedEvent
                    {
                        Id = reader.GetString(2),
                        Type = reader.GetString(3),
                        CustomerId = customer ? SubjectKeys.IdOf(subject) : null,
                        AnonymousId = customer ? null : SubjectKeys.IdOf(subject),
                        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                        ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                        Page = reader.IsDBNull(6) ? null : reader.GetString(6),
                        Custom = reader.GetInt64(7) != 0,
                        Properties = (byte[])reader.GetValue(8),
                    }
                );
                keys.Add(Convert.ToHexString((byte[])reader.GetValue(1)));
            }
            TimelinePosition? next = null;
            if (items.Count > limit)
            {
                items.RemoveAt(limit);
                next = new TimelinePosition(items[^1].Timestamp.ToUnixTimeMilliseconds(), keys[limit - 1]);
            }
            return new TimelinePage(items, next);
        });
    }

    /// <summary>
    /// One page: for each subject, the first limit + 1 fact rows after the position, walked in index
    /// order (descending); then those few rows joined and merged. The position is a row value, so
    /// SQLite seeks the index to it instead of filtering the subject's rows one by one.
    /// </summary>
    internal static string PageSql(int subjects, bool byType, bool after)
    {
        var sql = new StringBuilder("SELECT f.ts, f.k, f.id, t.type, s.subject, f.rt, f.page, f.custom, f.props FROM (");
        for (var i = 0; i < subjects; i++)
        {
            sql.Append(i == 0 ? "" : " UNION ALL ")
                .Append(
                    CultureInfo.InvariantCulture,
                    $"SELECT seq FROM (SELECT seq FROM facts INDEXED BY ix_facts_sid_ts WHERE sid = $s{i}"
                );
            if (byType)
            {
                sql.Append(" AND tid = $tid");
            }
            if (after)
            {
                sql.Append(" AND (ts, k) < ($ts, $k)");
            }
            sql.Append(" ORDER BY ts DESC, k DESC LIMIT $limit)");
        }
        sql.Append(
            ") p JOIN facts f ON f.seq = p.seq JOIN event_types t ON t.tid = f.tid JOIN subjects s ON s.sid = f.sid "
                + "ORDER BY f.ts DESC, f.k DESC LIMIT $limit"
        );
        return sql.ToString();
    }
}
