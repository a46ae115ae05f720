using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cx.Embedded.Analytics;

/// <summary>
/// Behavioural aggregates for segment rules (<see cref="IBehaviorStore"/>) from the facts of the
/// embedded analytics store: exact rolling windows over a customer's own events and those of the
/// anonymous ids merged into them. Many customers at once are read customer by customer through
/// the subject index or by one scan of the type's window, whichever the cost planner finds cheaper.
/// </summary>
public sealed class SqliteBehaviorStore(AnalyticsDatabase database) : IBehaviorStore
{
    /// <summary>A customer read by the subject index costs about as much as this many window rows scanned.</summary>
    private const long PerCustomerCost = 8;

    public async ValueTask<BehaviorResult> AggregateAsync(
        string customerId,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
            AggregateOne(session, customerId, query, AnalyticsQueries.TypeIdsOf(session, query.EventType), asOf)
        );
    }

    /// <summary>One customer's aggregate from its own facts (the subject index), its merged anonymous ids included.</summary>
    private static BehaviorResult AggregateOne(
        SqliteSession session,
        string customerId,
        BehaviorQuery query,
        List<long> tids,
        DateTimeOffset asOf
    )
    {
        var accumulator = new BehaviorAccumulator(query);
        if (tids.Count == 0)
        {
            return accumulator.Result();
        }
        var countOnly = query.Aggregate == BehaviorAggregate.Count;
        var anyType = query.EventType == BehaviorQuery.AnyEventType;
        var command = session.Command(
            // The subject index, always: without statistics SQLite prefers (tid, ts), which reads
            // every event of the type in the window for each customer.
            (
                countOnly
                    ? "SELECT ts FROM facts INDEXED BY ux_facts_subject_key"
                    : "SELECT ts, props FROM facts INDEXED BY ux_facts_subject_key"
            )
                + " WHERE sid = $sid AND ts > $from AND ts <= $to"
                + (anyType ? "" : " AND tid = $tid")
        );
        foreach (var sid in AnalyticsQueries.SubjectIdsOf(session, customerId))
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$sid", sid);
            command.Parameters.AddWithValue("$from", query.StartExclusiveMs(asOf));
            command.Parameters.AddWithValue("$to", asOf.ToUnixTimeMilliseconds());
            if (!anyType)
            {
                command.Parameters.AddWithValue("$tid", tids[0]);
            }
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                accumulator.Add(reader.GetInt64(0), countOnly ? default : PropsSpan(reader, 1));
            }
        }
        return accumulator.Result();
    }

    /// <summary>
    /// The aggregates of many customers from their own facts, a chunk of customers per statement:
    /// their subject ids (merged anonymous ids included), then their facts through the subject index.
    /// </summary>
    private static IReadOnlyDictionary<string, BehaviorResult> AggregateBySubjects(
        SqliteSession session,
        HashSet<string> wanted,
        BehaviorQuery query,
        List<long> tids,
        DateTimeOffset asOf
    )
    {
        var results = new Dictionary<string, BehaviorResult>(wanted.Count, StringComparer.Ordinal);
        var empty = new BehaviorAccumulator(query).Result();
        if (tids.Count == 0)
        {
            foreach (var customer in wanted)
            {
                results[customer] = empty;
            }
            return results;
        }
        var countOnly = query.Aggregate == BehaviorAggregate.Count;
        var anyType = query.EventType == BehaviorQuery.AnyEventType;
        foreach (var chunk in wanted.Chunk(AnalyticsQueries.InChunk))
        {
            // Subject id -> the customer it counts for.
            var owners = new Dictionary<long, string>(chunk.Length * 2);
            var customerSids = new Dictionary<long, string>(chunk.Length);
            var subjects = AnalyticsQueries.InList(
                session,
                "SELECT sid, subject FROM subjects WHERE subject IN (",
                Array.ConvertAll(chunk, SubjectKeys.Customer)
            );
            using (var reader = subjects.ExecuteReader())
            {
                while (reader.Read())
                {
                    var customer = SubjectKeys.IdOf(reader.GetString(1));
                    owners[reader.GetInt64(0)] = customer;
                    customerSids[reader.GetInt64(0)] = customer;
                }
            }
            if (customerSids.Count > 0)
            {
                var aliases = AnalyticsQueries.InList(
                    session,
                    "SELECT anon_sid, customer_sid FROM aliases WHERE customer_sid IN (",
                    customerSids.Keys.ToList()
                );
                using var reader = aliases.ExecuteReader();
                while (reader.Read())
                {
                    owners[reader.GetInt64(0)] = customerSids[reader.GetInt64(1)];
                }
            }
            var accumulators = new Dictionary<string, BehaviorAccumulator>(StringComparer.Ordinal);
            foreach (var sids in owners.Keys.Chunk(AnalyticsQueries.InChunk))
            {
                var facts = AnalyticsQueries.InList(
                    session,
                    (countOnly ? "SELECT sid, ts FROM facts" : "SELECT sid, ts, props FROM facts")
                        + " INDEXED BY ux_facts_subject_key WHERE sid IN (",
                    sids,
                    ") AND ts > $from AND ts <= $to" + (anyType ? "" : " AND tid = $tid")
                );
                facts.Parameters.AddWithValue("$from", query.StartExclusiveMs(asOf));
                facts.Parameters.AddWithValue("$to", asOf.ToUnixTimeMilliseconds());
                if (!anyType)
                {
                    facts.Parameters.AddWithValue("$tid", tids[0]);
                }
                using var reader = facts.ExecuteReader();
                while (reader.Read())
                {
                    var customer = owners[reader.GetInt64(0)];
                    if (!accumulators.TryGetValue(customer, out var accumulator))
                    {
                        accumulators[customer] = accumulator = new BehaviorAccumulator(query);
                    }
                    accumulator.Add(reader.GetInt64(1), countOnly ? default : PropsSpan(reader, 2));
                }
            }
            foreach (var customer in chunk)
            {
                results[customer] = accumulators.TryGetValue(customer, out var accumulator) ? accumulator.Result() : empty;
            }
        }
        return results;
    }

    /// <summary>
    /// Reading each wanted customer's own facts costs an index seek per customer; scanning the
    /// window costs every event of the type in it. A page of a recompute (a few thousand customers)
    /// against a large history is far cheaper customer by customer.
    /// </summary>
    private static bool CheaperPerCustomer(SqliteSession session, List<long> tids, int wanted, long from, long to)
    {
        if (tids.Count != 1)
        {
            return true; // any event type: the window holds every event
        }
        var command = session.Command("SELECT COUNT(*) FROM facts WHERE tid = $tid AND ts > $from AND ts <= $to");
        command.Parameters.AddWithValue("$tid", tids[0]);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        return (long)command.ExecuteScalar()! > (long)wanted * PerCustomerCost;
    }

    public async ValueTask<IReadOnlyDictionary<string, BehaviorResult>> AggregateManyAsync(
        IReadOnlyCollection<string> customerIds,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var wanted = new HashSet<string>(customerIds, StringComparer.Ordinal);
            var accumulators = new Dictionary<string, BehaviorAccumulator>(StringComparer.Ordinal);
            var from = query.StartExclusiveMs(asOf);
            var to = asOf.ToUnixTimeMilliseconds();
            var countOnly = query.Aggregate == BehaviorAggregate.Count;
            var typeIds = AnalyticsQueries.TypeIdsOf(session, query.EventType);
            if (CheaperPerCustomer(session, typeIds, wanted.Count, from, to))
            {
                return AggregateBySubjects(session, wanted, query, typeIds, asOf);
            }
            foreach (var tid in typeIds)
            {
                // Pass 1: the subjects with events of the type in the window, resolved to customers.
                var sids = new List<long>();
                var distinct = session.Command("SELECT DISTINCT sid FROM facts WHERE tid = $tid AND ts > $from AND ts <= $to");
                distinct.Parameters.AddWithValue("$tid", tid);
                distinct.Parameters.AddWithValue("$from", from);
                distinct.Parameters.AddWithValue("$to", to);
                using (var reader = distinct.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        sids.Add(reader.GetInt64(0));
                    }
                }
                var owner = ResolveOwners(session, sids);
                // Pass 2: the events, accumulated per wanted customer.
                var rows = session.Command(
                    countOnly
                        ? "SELECT sid, ts FROM facts WHERE tid = $tid AND ts > $from AND ts <= $to"
                        : "SELECT sid, ts, props FROM facts WHERE tid = $tid AND ts > $from AND ts <= $to"
                );
                rows.Parameters.AddWithValue("$tid", tid);
                rows.Parameters.AddWithValue("$from", from);
                rows.Parameters.AddWithValue("$to", to);
                using (var reader = rows.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        if (!owner.TryGetValue(reader.GetInt64(0), out var customer) || !wanted.Contains(customer))
                        {
                            continue;
                        }
                        if (!accumulators.TryGetValue(customer, out var accumulator))
                        {
                            accumulators[customer] = accumulator = new BehaviorAccumulator(query);
                        }
                        accumulator.Add(reader.GetInt64(1), countOnly ? default : PropsSpan(reader, 2));
                    }
                }
            }
            var results = new Dictionary<string, BehaviorResult>(wanted.Count, StringComparer.Ordinal);
            var empty = new BehaviorAccumulator(query).Result();
            foreach (var customer in wanted)
            {
                results[customer] = accumulators.TryGetValue(customer, out var accumulator) ? accumulator.Result() : empty;
            }
            return (IReadOnlyDictionary<string, BehaviorResult>)results;
        });
    }

    /// <summary>Subject id → the customer id it counts for (itself, or the customer an anonymous id merged into).</summary>
    private static Dictionary<long, string> ResolveOwners(SqliteSession session, List<long> sids)
    {
        var owners = new Dictionary<long, string>(sids.Count);
        foreach (var chunk in sids.Chunk(AnalyticsQueries.InChunk))
        {
            var command = AnalyticsQueries.InList(
                session,
                "SELECT s.sid, s.subject, c.subject FROM subjects s LEFT JOIN aliases a ON a.anon_sid = s.sid "
                    + "LEFT JOIN subjects c ON c.sid = a.customer_sid WHERE s.sid IN (",
                chunk
            );
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var subject = reader.GetString(1);
                if (SubjectKeys.IsCustomer(subject))
                {
                    owners[reader.GetInt64(0)] = SubjectKeys.IdOf(subject);
                }
                else if (!reader.IsDBNull(2))
                {
                    owners[reader.GetInt64(0)] = SubjectKeys.IdOf(reader.GetString(2));
                }
            }
        }
        return owners;
    }

    private static ReadOnlySpan<byte> PropsSpan(SqliteDataReader reader, int ordinal) => (byte[])reader.GetValue(ordinal);
}
