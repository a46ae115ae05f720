using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Events;

/// <summary>
/// The embedded analytics store, in its own SQLite file (never the document store's):
/// <list type="bullet">
/// <item><c>facts</c>: every distinct event, appended in processing order (so its pages are
/// written sequentially), with one unique index on (subject, 128-bit idempotency key) that is at
/// once the durable seen-ids store (kept for the fact retention) and the per-customer access
/// path of exact rolling windows and timelines, and an index by (type, time) for bulk queries;</item>
/// <item><c>rollups</c>: counters by (type, granularity, breakdown, name, bucket, value), sums exact to 4 decimals;</item>
/// <item><c>blocks</c>: packed (subject, time) occurrences per type and UTC hour, for funnels and journeys;</item>
/// <item><c>subjects</c>/<c>event_types</c>: interned ids; <c>aliases</c>: anonymous → customer links;</item>
/// <item><c>checkpoints</c>: stream positions, written in the same transaction as the effects (exactly-once).</item>
/// </list>
/// </summary>
public sealed class SqliteAnalyticsStore
    : IAnalyticsStore,
        IBehaviorStore,
        IIdentityLinkStore,
        ITimelineReader,
        IRollupReader,
        IEventOccurrenceReader,
        IDisposable
{
    private const int MaxCachedIds = 2_000_000;
    private const int InChunk = 500;

    /// <summary>A customer read by the subject index costs about as much as this many window rows scanned.</summary>
    private const long PerCustomerCost = 8;

    private readonly SqliteDatabase _database;
    private readonly Dictionary<string, int> _subjectIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _typeIds = new(StringComparer.Ordinal);
    private bool _idsStale;
    private readonly SemaphoreSlim _init = new(1, 1);
    private volatile bool _initialized;

    public SqliteAnalyticsStore(EmbeddedEventsPaths paths, IOptions<SqliteOptions> sqlite)
    {
        _database = new SqliteDatabase(
            Options.Create(
                new SqliteOptions
                {
                    Path = paths.AnalyticsPath,
                    MaxPooledReaders = sqlite.Value.MaxPooledReaders,
                    // The fact indexes take random inserts (subject, idempotency key): a large page cache keeps them in memory.
                    CacheSizeMb = Math.Max(256, sqlite.Value.CacheSizeMb),
                    BusyTimeoutMs = sqlite.Value.BusyTimeoutMs,
                }
            )
        );
    }

    public string FilePath => _database.FilePath;

    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }
        await _init.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }
            await _database.ExecuteSchemaAsync(
                """
                CREATE TABLE IF NOT EXISTS subjects (sid INTEGER PRIMARY KEY, subject TEXT NOT NULL UNIQUE);
                CREATE TABLE IF NOT EXISTS event_types (tid INTEGER PRIMARY KEY, type TEXT NOT NULL UNIQUE);
                CREATE TABLE IF NOT EXISTS facts (
                    seq INTEGER PRIMARY KEY,
                    sid INTEGER NOT NULL,
                    ts INTEGER NOT NULL,
                    k BLOB NOT NULL,
                    tid INTEGER NOT NULL,
                    id TEXT NOT NULL,
                    rt INTEGER NOT NULL,
                    page TEXT,
                    custom INTEGER NOT NULL,
                    props BLOB NOT NULL
                );
                CREATE UNIQUE INDEX IF NOT EXISTS ux_facts_subject_key ON facts(sid, k);
                CREATE INDEX IF NOT EXISTS ix_facts_tid_ts ON facts(tid, ts);
                CREATE TABLE IF NOT EXISTS rollups (
                    tid INTEGER NOT NULL,
                    g INTEGER NOT NULL,
                    breakdown INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    bucket INTEGER NOT NULL,
                    value TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    sum INTEGER NOT NULL,
                    PRIMARY KEY (tid, g, breakdown, name, bucket, value)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS blocks (
                    tid INTEGER NOT NULL,
                    hour INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (tid, hour, seq)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS aliases (
                    anon_sid INTEGER PRIMARY KEY,
                    customer_sid INTEGER NOT NULL,
                    linked_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS ix_aliases_customer ON aliases(customer_sid);
                CREATE TABLE IF NOT EXISTS checkpoints (
                    partition TEXT PRIMARY KEY,
                    position INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """,
                cancellationToken
            );
            _initialized = true;
        }
        finally
        {
            _init.Release();
        }
    }

    // ---------------------------------------------------------------- writes

    public async ValueTask<AppliedBatch> ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return await WriteInterningAsync(session => Apply(session, batch), solo: true, cancellationToken);
    }

    /// <summary>A write that may intern ids: when it fails, its ids were rolled back with it, so the caches are dropped.</summary>
    private async Task<T> WriteInterningAsync<T>(Func<SqliteSession, T> work, bool solo, CancellationToken cancellationToken)
    {
        try
        {
            return await _database.WriteAsync(
                (session, _) =>
                {
                    ForgetIdsAfterFailure();
                    return work(session);
                },
                cancellationToken,
                solo
            );
        }
        catch
        {
            Volatile.Write(ref _idsStale, true);
            throw;
        }
    }

    /// <summary>Runs inside a write: drops the id caches when a write that may have filled them failed.</summary>
    private void ForgetIdsAfterFailure()
    {
        if (Volatile.Read(ref _idsStale))
        {
            _subjectIds.Clear();
            _typeIds.Clear();
            Volatile.Write(ref _idsStale, false);
        }
    }

    private AppliedBatch Apply(SqliteSession session, AnalyticsBatch batch)
    {
        var stored = ReadCheckpoint(session, batch.Checkpoint.Partition);
        if (stored is { } position && position >= batch.Checkpoint.Position)
        {
            return new AppliedBatch(0, batch.Facts.Count, [], [], []);
        }
        var insert = session.Statement(
            "INSERT OR IGNORE INTO facts (sid, ts, k, tid, id, rt, page, custom, props) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        );
        Span<byte> dedupeKey = stackalloc byte[16];
        Dictionary<RollupKey, (long Count, long Sum)>? duplicates = null;
        var blocks = new Dictionary<(int Tid, long Hour), List<SubjectOccurrence>>();
        var subjects = new Dictionary<int, string>();
        var types = new HashSet<string>(StringComparer.Ordinal);
        var applied = 0;
        InternAll(session, batch.Facts);
        foreach (var fact in batch.Facts)
        {
            var e = fact.Event;
            var sid = Intern(session, _subjectIds, "subjects", "sid", "subject", fact.Subject);
            var tid = Intern(session, _typeIds, "event_types", "tid", "type", e.Type);
            var ts = e.Timestamp.ToUnixTimeMilliseconds();
            BinaryPrimitives.WriteUInt128BigEndian(dedupeKey, fact.DedupeKey);
            insert.Bind(1, sid);
            insert.Bind(2, ts);
            insert.Bind(3, dedupeKey);
            insert.Bind(4, tid);
            insert.Bind(5, e.Id);
            insert.Bind(6, e.ReceivedAt.ToUnixTimeMilliseconds());
            insert.Bind(7, e.Page);
            insert.Bind(8, e.Custom ? 1 : 0);
            insert.Bind(9, e.Properties.Span);
            if (insert.Execute() == 0)
            {
                // Seen before: a duplicate changes nothing, so its part of the batch's totals is taken back.
                duplicates ??= [];
                var scaled = fact.Value is { } v ? RollupMath.ScaleSum(v) : 0;
                foreach (var key in fact.Rollups)
                {
                    duplicates[key] = duplicates.TryGetValue(key, out var t) ? (t.Count + 1, t.Sum + scaled) : (1, scaled);
                }
                continue;
            }
            applied++;
            subjects.TryAdd(sid, fact.Subject);
            types.Add(e.Type);
            var hour = RollupMath.BucketStart(ts, Granularity.Hour);
            if (!blocks.TryGetValue((tid, hour), out var occurrences))
            {
                blocks[(tid, hour)] = occurrences = [];
            }
            occurrences.Add(new SubjectOccurrence(sid, ts - hour));
        }

        var upsert = session.Statement(
            "INSERT INTO rollups (tid, g, breakdown, name, bucket, value, count, sum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                + "ON CONFLICT (tid, g, breakdown, name, bucket, value) DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum"
        );
        foreach (var (key, totals) in batch.RollupTotals)
        {
            var (count, sum) = totals;
            if (duplicates is not null && duplicates.TryGetValue(key, out var taken))
            {
                (count, sum) = (count - taken.Count, sum - taken.Sum);
                if (count == 0)
                {
                    continue;
                }
            }
            upsert.Bind(1, _typeIds[key.EventType]);
            upsert.Bind(2, (int)key.Granularity);
            upsert.Bind(3, (int)key.Breakdown);
            upsert.Bind(4, key.Name);
            upsert.Bind(5, key.BucketStartMs);
            upsert.Bind(6, key.Value);
            upsert.Bind(7, count);
            upsert.Bind(8, sum);
            upsert.Execute();
        }

        if (blocks.Count > 0)
        {
            // A block's sequence is the newest fact row of this batch: unique across partitions and batches.
            var blockSeq = (long)session.Command("SELECT max(seq) FROM facts").ExecuteScalar()!;
            var block = session.Command(
                "INSERT OR REPLACE INTO blocks (tid, hour, seq, count, data) VALUES ($tid, $hour, $seq, $count, $data)"
            );
            foreach (var ((tid, hour), occurrences) in blocks)
            {
                block.Parameters.Clear();
                block.Parameters.AddWithValue("$tid", tid);
                block.Parameters.AddWithValue("$hour", hour);
                block.Parameters.AddWithValue("$seq", blockSeq);
                block.Parameters.AddWithValue("$count", occurrences.Count);
                block.Parameters.AddWithValue("$data", PackBlock(occurrences));
                block.ExecuteNonQuery();
            }
        }
        WriteCheckpoint(session, batch.Checkpoint.Partition, batch.Checkpoint.Position);

        var customers = new HashSet<string>(StringComparer.Ordinal);
        var anonymous = new Dictionary<long, string>();
        foreach (var (sid, subject) in subjects)
        {
            if (SubjectKeys.IsCustomer(subject))
            {
                customers.Add(SubjectKeys.IdOf(subject));
            }
            else
            {
                anonymous[sid] = SubjectKeys.IdOf(subject);
            }
        }
        // Anonymous subjects merged into a customer count for that customer.
        foreach (var (sid, customer) in CustomersOfAnonymous(session, anonymous.Keys))
        {
            customers.Add(customer);
            anonymous.Remove(sid);
        }
        return new AppliedBatch(applied, batch.Facts.Count - applied, customers, [.. anonymous.Values], types);
    }

    public async ValueTask<long?> GetCheckpointAsync(string partition, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session => ReadCheckpoint(session, partition));
    }

    /// <summary>Stores a checkpoint outside a batch (the archiver's own position).</summary>
    public async Task SetCheckpointAsync(string partition, long position, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        await _database.WriteAsync(
            (session, _) =>
            {
                WriteCheckpoint(session, partition, position);
                return 0;
            },
            cancellationToken
        );
    }

    public async ValueTask<long> PruneAsync(
        DateTimeOffset factsBefore,
        DateTimeOffset minuteRollupsBefore,
        CancellationToken cancellationToken
    )
    {
        await InitializeAsync(cancellationToken);
        var factCut = factsBefore.ToUnixTimeMilliseconds();
        var minuteCut = minuteRollupsBefore.ToUnixTimeMilliseconds();
        var hourCut = RollupMath.BucketStart(factCut, Granularity.Hour);
        return await _database.WriteAsync(
            (session, _) =>
            {
                long removed = 0;
                foreach (var tid in AllTypeIds(session))
                {
                    removed += Execute(session, "DELETE FROM facts WHERE tid = $tid AND ts < $cut", tid, factCut);
                    removed += Execute(session, "DELETE FROM blocks WHERE tid = $tid AND hour < $cut", tid, hourCut);
                    removed += Execute(
                        session,
                        "DELETE FROM rollups WHERE tid = $tid AND g = 1 AND breakdown IN (0, 1, 2) AND bucket < $cut",
                        tid,
                        minuteCut
                    );
                }
                return removed;
            },
            cancellationToken,
            solo: true
        );
    }

    /// <summary>
    /// Merges the per-batch blocks of each closed hour (before <paramref name="before"/>) into one
    /// block sorted by time, so a funnel reads one blob per type and hour. Returns blocks merged.
    /// </summary>
    public async Task<int> CompactBlocksAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        var cut = RollupMath.BucketStart(before.ToUnixTimeMilliseconds(), Granularity.Hour);
        var groups = _database.Read(session =>
        {
            var command = session.Command("SELECT tid, hour FROM blocks WHERE hour < $cut AND seq <> 0 GROUP BY tid, hour LIMIT 200");
            command.Parameters.AddWithValue("$cut", cut);
            var list = new List<(long Tid, long Hour)>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                list.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }
            return list;
        });
        var merged = 0;
        foreach (var (tid, hour) in groups)
        {
            merged += await _database.WriteAsync(
                (session, _) =>
                {
                    var select = session.Command("SELECT data FROM blocks WHERE tid = $tid AND hour = $hour");
                    select.Parameters.AddWithValue("$tid", tid);
                    select.Parameters.AddWithValue("$hour", hour);
                    var all = new List<SubjectOccurrence>();
                    var count = 0;
                    using (var reader = select.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            all.AddRange(UnpackBlock((byte[])reader.GetValue(0)));
                            count++;
                        }
                    }
                    all.Sort((a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
                    Execute(session, "DELETE FROM blocks WHERE tid = $tid AND hour = $cut", tid, hour);
                    var insert = session.Command("INSERT INTO blocks (tid, hour, seq, count, data) VALUES ($tid, $hour, 0, $count, $data)");
                    insert.Parameters.AddWithValue("$tid", tid);
                    insert.Parameters.AddWithValue("$hour", hour);
                    insert.Parameters.AddWithValue("$count", all.Count);
                    insert.Parameters.AddWithValue("$data", PackBlock(all));
                    insert.ExecuteNonQuery();
                    return count;
                },
                cancellationToken
            );
        }
        return merged;
    }

    // ---------------------------------------------------------------- identity

    public async ValueTask<LinkOutcome> LinkAsync(
        string anonymousId,
        string customerId,
        int maxAliases,
        DateTimeOffset at,
        CancellationToken cancellationToken
    )
    {
        await InitializeAsync(cancellationToken);
        return await WriteInterningAsync(
            session =>
            {
                var anon = Intern(session, _subjectIds, "subjects", "sid", "subject", SubjectKeys.Anonymous(anonymousId));
                var customer = Intern(session, _subjectIds, "subjects", "sid", "subject", SubjectKeys.Customer(customerId));
                var existing = session.Command("SELECT customer_sid FROM aliases WHERE anon_sid = $anon");
                existing.Parameters.AddWithValue("$anon", anon);
                if (existing.ExecuteScalar() is long linked)
                {
                    return linked == customer ? LinkOutcome.AlreadyLinked : LinkOutcome.LinkedToAnother;
                }
                var count = session.Command("SELECT count(*) FROM aliases WHERE customer_sid = $customer");
                count.Parameters.AddWithValue("$customer", customer);
                if ((long)count.ExecuteScalar()! >= maxAliases)
                {
                    return LinkOutcome.LimitReached;
                }
                var insert = session.Command("INSERT INTO aliases (anon_sid, customer_sid, linked_at) VALUES ($anon, $customer, $at)");
                insert.Parameters.AddWithValue("$anon", anon);
                insert.Parameters.AddWithValue("$customer", customer);
                insert.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
                insert.ExecuteNonQuery();
                return LinkOutcome.Linked;
            },
            solo: false,
            cancellationToken
        );
    }

    public async ValueTask<IReadOnlyList<string>> GetAnonymousIdsAsync(string customerId, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session =>
        {
            var command = session.Command(
                "SELECT s.subject FROM aliases a JOIN subjects s ON s.sid = a.anon_sid "
                    + "WHERE a.customer_sid = (SELECT sid FROM subjects WHERE subject = $c) ORDER BY a.linked_at, s.subject"
            );
            command.Parameters.AddWithValue("$c", SubjectKeys.Customer(customerId));
            var ids = new List<string>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(SubjectKeys.IdOf(reader.GetString(0)));
            }
            return (IReadOnlyList<string>)ids;
        });
    }

    // ---------------------------------------------------------------- behaviour

    public async ValueTask<BehaviorResult> AggregateAsync(
        string customerId,
        BehaviorQuery query,
        DateTimeOffset asOf,
        CancellationToken cancellationToken
    )
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session => AggregateOne(session, customerId, query, TypeIdsOf(session, query.EventType), asOf));
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
        foreach (var sid in SubjectIdsOf(session, customerId))
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
        foreach (var chunk in wanted.Chunk(InChunk))
        {
            // Subject id -> the customer it counts for.
            var owners = new Dictionary<long, string>(chunk.Length * 2);
            var customerSids = new Dictionary<long, string>(chunk.Length);
            var subjects = session.Command("SELECT sid, subject FROM subjects WHERE subject IN (" + Parameters(chunk.Length) + ")");
            for (var i = 0; i < chunk.Length; i++)
            {
                subjects.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), SubjectKeys.Customer(chunk[i]));
            }
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
                var keys = customerSids.Keys.ToList();
                var aliases = session.Command(
                    "SELECT anon_sid, customer_sid FROM aliases WHERE customer_sid IN (" + Parameters(keys.Count) + ")"
                );
                for (var i = 0; i < keys.Count; i++)
                {
                    aliases.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), keys[i]);
                }
                using var reader = aliases.ExecuteReader();
                while (reader.Read())
                {
                    owners[reader.GetInt64(0)] = customerSids[reader.GetInt64(1)];
                }
            }
            var accumulators = new Dictionary<string, BehaviorAccumulator>(StringComparer.Ordinal);
            foreach (var sids in owners.Keys.Chunk(InChunk))
            {
                var facts = session.Command(
                    (countOnly ? "SELECT sid, ts FROM facts" : "SELECT sid, ts, props FROM facts")
                        + " INDEXED BY ux_facts_subject_key WHERE sid IN ("
                        + Parameters(sids.Length)
                        + ") AND ts > $from AND ts <= $to"
                        + (anyType ? "" : " AND tid = $tid")
                );
                for (var i = 0; i < sids.Length; i++)
                {
                    facts.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), sids[i]);
                }
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

    private static string Parameters(int count) =>
        string.Join(",", Enumerable.Range(0, count).Select(i => "$p" + i.ToString(CultureInfo.InvariantCulture)));

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
        await InitializeAsync(cancellationToken);
        return _database.Read(session =>
        {
            var wanted = new HashSet<string>(customerIds, StringComparer.Ordinal);
            var accumulators = new Dictionary<string, BehaviorAccumulator>(StringComparer.Ordinal);
            var from = query.StartExclusiveMs(asOf);
            var to = asOf.ToUnixTimeMilliseconds();
            var countOnly = query.Aggregate == BehaviorAggregate.Count;
            var typeIds = TypeIdsOf(session, query.EventType);
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

    // ---------------------------------------------------------------- timeline

    public async ValueTask<TimelinePage> ReadTimelineAsync(
        string customerId,
        string? eventType,
        int limit,
        TimelinePosition? after,
        CancellationToken cancellationToken
    )
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session =>
        {
            var sids = SubjectIdsOf(session, customerId);
            long? tid = eventType is null ? null : TypeIdOf(session, eventType);
            if (sids.Count == 0 || (eventType is not null && tid is null))
            {
                return new TimelinePage([], null);
            }
            var sql = new StringBuilder(
                "SELECT f.ts, f.k, f.id, t.type, s.subject, f.rt, f.page, f.custom, f.props FROM facts f "
                    + "JOIN event_types t ON t.tid = f.tid JOIN subjects s ON s.sid = f.sid WHERE f.sid IN ("
            );
            for (var i = 0; i < sids.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"$s{i}");
            }
            sql.Append(')');
            if (tid is not null)
            {
                sql.Append(" AND f.tid = $tid");
            }
            if (after is not null)
            {
                sql.Append(" AND (f.ts < $ts OR (f.ts = $ts AND f.k < $k))");
            }
            sql.Append(" ORDER BY f.ts DESC, f.k DESC LIMIT $limit");
            var command = session.Command(sql.ToString());
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

    // ---------------------------------------------------------------- roll-ups and blocks

    public async ValueTask<IReadOnlyList<RollupPoint>> ReadRollupsAsync(RollupQuery query, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session =>
        {
            var points = new List<RollupPoint>();
            if (TypeIdOf(session, query.EventType) is not { } tid)
            {
                return (IReadOnlyList<RollupPoint>)points;
            }
            var command = session.Command(
                "SELECT bucket, value, count, sum FROM rollups WHERE tid = $tid AND g = $g AND breakdown = $b AND name = $n "
                    + "AND bucket >= $from AND bucket < $to ORDER BY bucket, value"
            );
            command.Parameters.AddWithValue("$tid", tid);
            command.Parameters.AddWithValue("$g", (int)query.Granularity);
            command.Parameters.AddWithValue("$b", (int)query.Breakdown);
            command.Parameters.AddWithValue(
                "$n",
                query.Breakdown switch
                {
                    RollupBreakdown.Total => "",
                    RollupBreakdown.Page => "page",
                    _ => query.Name ?? "",
                }
            );
            command.Parameters.AddWithValue("$from", query.From.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$to", query.To.ToUnixTimeMilliseconds());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                points.Add(
                    new RollupPoint(
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                        reader.GetString(1),
                        reader.GetInt64(2),
                        (decimal)reader.GetInt64(3) / RollupMath.SumScale
                    )
                );
            }
            return (IReadOnlyList<RollupPoint>)points;
        });
    }

    public async ValueTask ScanAsync(
        string eventType,
        DateTimeOffset from,
        DateTimeOffset to,
        Action<ReadOnlySpan<SubjectOccurrence>> onBlock,
        CancellationToken cancellationToken
    )
    {
        await InitializeAsync(cancellationToken);
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        _database.Read(session =>
        {
            if (TypeIdOf(session, eventType) is not { } tid)
            {
                return 0;
            }
            var command = session.Command(
                "SELECT hour, data FROM blocks WHERE tid = $tid AND hour >= $from AND hour < $to ORDER BY hour, seq"
            );
            command.Parameters.AddWithValue("$tid", tid);
            command.Parameters.AddWithValue("$from", RollupMath.BucketStart(fromMs, Granularity.Hour));
            command.Parameters.AddWithValue("$to", toMs);
            var buffer = new List<SubjectOccurrence>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var hour = reader.GetInt64(0);
                var data = (byte[])reader.GetValue(1);
                var packed = MemoryMarshal.Cast<byte, int>(data.AsSpan());
                buffer.Clear();
                for (var i = 0; i + 1 < packed.Length; i += 2)
                {
                    var ts = hour + packed[i + 1];
                    if (ts >= fromMs && ts < toMs)
                    {
                        buffer.Add(new SubjectOccurrence(packed[i], ts));
                    }
                }
                onBlock(CollectionsMarshal.AsSpan(buffer));
            }
            return 0;
        });
    }

    public async ValueTask<IReadOnlyDictionary<int, int>> ReadSubjectMergesAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session =>
        {
            var merges = new Dictionary<int, int>();
            using var reader = session.Command("SELECT anon_sid, customer_sid FROM aliases").ExecuteReader();
            while (reader.Read())
            {
                merges[reader.GetInt32(0)] = reader.GetInt32(1);
            }
            return (IReadOnlyDictionary<int, int>)merges;
        });
    }

    public async ValueTask<IReadOnlyDictionary<int, string>> ReadSubjectsAsync(
        IReadOnlyCollection<int> subjectIds,
        CancellationToken cancellationToken
    )
    {
        await InitializeAsync(cancellationToken);
        return _database.Read(session =>
        {
            var result = new Dictionary<int, string>();
            foreach (var chunk in subjectIds.Chunk(InChunk))
            {
                var command = session.Command(
                    "SELECT sid, subject FROM subjects WHERE sid IN ("
                        + string.Join(",", Enumerable.Range(0, chunk.Length).Select(i => "$p" + i))
                        + ")"
                );
                for (var i = 0; i < chunk.Length; i++)
                {
                    command.Parameters.AddWithValue("$p" + i, chunk[i]);
                }
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    result[reader.GetInt32(0)] = reader.GetString(1);
                }
            }
            return (IReadOnlyDictionary<int, string>)result;
        });
    }

    public void Dispose()
    {
        _database.Dispose();
        _init.Dispose();
    }

    // ---------------------------------------------------------------- helpers

    private static int Intern(
        SqliteSession session,
        Dictionary<string, int> cache,
        string table,
        string idColumn,
        string column,
        string value
    )
    {
        if (cache.TryGetValue(value, out var id))
        {
            return id;
        }
        var insert = session.Command($"INSERT INTO {table} ({column}) VALUES ($v) ON CONFLICT ({column}) DO NOTHING RETURNING {idColumn}");
        insert.Parameters.AddWithValue("$v", value);
        if (insert.ExecuteScalar() is long created)
        {
            id = checked((int)created);
        }
        else
        {
            var select = session.Command($"SELECT {idColumn} FROM {table} WHERE {column} = $v");
            select.Parameters.AddWithValue("$v", value);
            id = checked((int)(long)select.ExecuteScalar()!);
        }
        if (cache.Count >= MaxCachedIds)
        {
            cache.Clear();
        }
        cache[value] = id;
        return id;
    }

    /// <summary>
    /// Gives every subject of the batch an id with two statements for all the new ones (the
    /// batch's first sight of 5,000 visitors costs two statements, not 10,000).
    /// </summary>
    private void InternAll(SqliteSession session, IReadOnlyList<EventFact> facts)
    {
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            if (!_subjectIds.ContainsKey(fact.Subject))
            {
                unknown.Add(fact.Subject);
            }
        }
        if (unknown.Count == 0)
        {
            return;
        }
        if (_subjectIds.Count + unknown.Count > MaxCachedIds)
        {
            _subjectIds.Clear();
        }
        // New subjects come back from the insert; only those another write stored first need a lookup.
        var insert = session.Command(
            "INSERT INTO subjects (subject) SELECT value FROM json_each($list) WHERE true ON CONFLICT (subject) DO NOTHING RETURNING sid, subject"
        );
        insert.Parameters.AddWithValue("$list", JsonArray(unknown));
        using (var reader = insert.ExecuteReader())
        {
            while (reader.Read())
            {
                var subject = reader.GetString(1);
                _subjectIds[subject] = checked((int)reader.GetInt64(0));
                unknown.Remove(subject);
            }
        }
        if (unknown.Count == 0)
        {
            return;
        }
        var select = session.Command("SELECT sid, subject FROM subjects WHERE subject IN (SELECT value FROM json_each($list))");
        select.Parameters.AddWithValue("$list", JsonArray(unknown));
        using var found = select.ExecuteReader();
        while (found.Read())
        {
            _subjectIds[found.GetString(1)] = checked((int)found.GetInt64(0));
        }
    }

    /// <summary>A JSON array of strings, for one <c>json_each</c> parameter.</summary>
    private static string JsonArray(IEnumerable<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var value in values)
            {
                json.WriteStringValue(value);
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static long? TypeIdOf(SqliteSession session, string type)
    {
        var command = session.Command("SELECT tid FROM event_types WHERE type = $t");
        command.Parameters.AddWithValue("$t", type);
        return command.ExecuteScalar() as long?;
    }

    /// <summary>The type's id (none when never seen), or every type's id for <see cref="BehaviorQuery.AnyEventType"/>.</summary>
    private static List<long> TypeIdsOf(SqliteSession session, string eventType) =>
        eventType == BehaviorQuery.AnyEventType ? AllTypeIds(session)
        : TypeIdOf(session, eventType) is { } tid ? [tid]
        : [];

    private static List<long> AllTypeIds(SqliteSession session)
    {
        var ids = new List<long>();
        using var reader = session.Command("SELECT tid FROM event_types").ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }

    /// <summary>The customer's own subject id and those of the anonymous ids merged into it.</summary>
    private static List<long> SubjectIdsOf(SqliteSession session, string customerId)
    {
        var command = session.Command(
            "SELECT sid FROM subjects WHERE subject = $c UNION ALL "
                + "SELECT a.anon_sid FROM aliases a WHERE a.customer_sid = (SELECT sid FROM subjects WHERE subject = $c)"
        );
        command.Parameters.AddWithValue("$c", SubjectKeys.Customer(customerId));
        var sids = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            sids.Add(reader.GetInt64(0));
        }
        return sids;
    }

    /// <summary>Subject id → the customer id it counts for (itself, or the customer an anonymous id merged into).</summary>
    private static Dictionary<long, string> ResolveOwners(SqliteSession session, List<long> sids)
    {
        var owners = new Dictionary<long, string>(sids.Count);
        foreach (var chunk in sids.Chunk(InChunk))
        {
            var parameters = string.Join(",", Enumerable.Range(0, chunk.Length).Select(i => "$p" + i));
            var command = session.Command(
                "SELECT s.sid, s.subject, c.subject FROM subjects s LEFT JOIN aliases a ON a.anon_sid = s.sid "
                    + "LEFT JOIN subjects c ON c.sid = a.customer_sid WHERE s.sid IN ("
                    + parameters
                    + ")"
            );
            for (var i = 0; i < chunk.Length; i++)
            {
                command.Parameters.AddWithValue("$p" + i, chunk[i]);
            }
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

    private static List<(long Sid, string Customer)> CustomersOfAnonymous(SqliteSession session, IEnumerable<long> sids)
    {
        var result = new List<(long, string)>();
        // One JSON array parameter instead of hundreds of named ones (each bound by a name lookup).
        var command = session.Command(
            "SELECT a.anon_sid, s.subject FROM aliases a JOIN subjects s ON s.sid = a.customer_sid "
                + "WHERE a.anon_sid IN (SELECT value FROM json_each($sids))"
        );
        command.Parameters.AddWithValue(
            "$sids",
            "[" + string.Join(",", sids.Select(sid => sid.ToString(CultureInfo.InvariantCulture))) + "]"
        );
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add((reader.GetInt64(0), SubjectKeys.IdOf(reader.GetString(1))));
        }
        return result;
    }

    private static long? ReadCheckpoint(SqliteSession session, string partition)
    {
        var command = session.Command("SELECT position FROM checkpoints WHERE partition = $p");
        command.Parameters.AddWithValue("$p", partition);
        return command.ExecuteScalar() as long?;
    }

    private static void WriteCheckpoint(SqliteSession session, string partition, long position)
    {
        var command = session.Command(
            "INSERT INTO checkpoints (partition, position, updated_at) VALUES ($p, $pos, strftime('%s','now') * 1000) "
                + "ON CONFLICT (partition) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at "
                + "WHERE excluded.position > checkpoints.position"
        );
        command.Parameters.AddWithValue("$p", partition);
        command.Parameters.AddWithValue("$pos", position);
        command.ExecuteNonQuery();
    }

    private static long Execute(SqliteSession session, string sql, long tid, long cut)
    {
        var command = session.Command(sql);
        command.Parameters.AddWithValue("$tid", tid);
        command.Parameters.AddWithValue("$cut", cut);
        return command.ExecuteNonQuery();
    }

    private static ReadOnlySpan<byte> PropsSpan(SqliteDataReader reader, int ordinal) => (byte[])reader.GetValue(ordinal);

    /// <summary>Little-endian pairs of int32: subject id, milliseconds since the start of the hour.</summary>
    internal static byte[] PackBlock(List<SubjectOccurrence> occurrences)
    {
        var data = new byte[occurrences.Count * 8];
        var ints = MemoryMarshal.Cast<byte, int>(data.AsSpan());
        for (var i = 0; i < occurrences.Count; i++)
        {
            ints[2 * i] = occurrences[i].SubjectId;
            ints[(2 * i) + 1] = (int)occurrences[i].TimestampMs;
        }
        return data;
    }

    private static IEnumerable<SubjectOccurrence> UnpackBlock(byte[] data)
    {
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            yield return new SubjectOccurrence(
                BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(i)),
                BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(i + 4))
            );
        }
    }
}
