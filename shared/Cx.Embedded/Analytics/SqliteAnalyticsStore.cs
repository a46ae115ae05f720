using System.Buffers.Binary;
using System.Globalization;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Sqlite;

namespace Cx.Embedded.Analytics;

/// <summary>
/// The write side of the embedded analytics store (<see cref="IAnalyticsStore"/>): applies a batch
/// (facts, roll-ups, funnel blocks) and moves its checkpoint in one transaction, so effects are
/// exactly-once although the log is read at least once (ADR 0101); the per-fact insert and the
/// roll-up upsert are positional statements and new subjects are interned in bulk (ADR 0108).
/// Also the housekeeping of the file: checkpoints outside a batch, pruning, block compaction.
/// </summary>
public sealed class SqliteAnalyticsStore(AnalyticsDatabase database) : IAnalyticsStore
{
    public ValueTask InitializeAsync(CancellationToken cancellationToken) => database.InitializeAsync(cancellationToken);

    public async ValueTask<AppliedBatch> ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        return await database.WriteInterningAsync((session, ids) => Apply(session, ids, batch), solo: true, cancellationToken);
    }

    private static AppliedBatch Apply(SqliteSession session, AnalyticsIds ids, AnalyticsBatch batch)
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
        ids.InternSubjects(session, batch.Facts);
        foreach (var fact in batch.Facts)
        {
            var e = fact.Event;
            var sid = ids.Subject(session, fact.Subject);
            var tid = ids.Type(session, e.Type);
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
            upsert.Bind(1, ids.InternedType(key.EventType));
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
                block.Parameters.AddWithValue("$data", OccurrenceBlocks.Pack(occurrences));
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
        await database.InitializeAsync(cancellationToken);
        return database.Read(session => ReadCheckpoint(session, partition));
    }

    /// <summary>Stores a checkpoint outside a batch (the archiver's own position).</summary>
    public async Task SetCheckpointAsync(string partition, long position, CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        await database.WriteAsync(
            session =>
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
        await database.InitializeAsync(cancellationToken);
        var factCut = factsBefore.ToUnixTimeMilliseconds();
        var minuteCut = minuteRollupsBefore.ToUnixTimeMilliseconds();
        var hourCut = RollupMath.BucketStart(factCut, Granularity.Hour);
        return await database.WriteAsync(
            session =>
            {
                long removed = 0;
                foreach (var tid in AnalyticsQueries.AllTypeIds(session))
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
        await database.InitializeAsync(cancellationToken);
        var cut = RollupMath.BucketStart(before.ToUnixTimeMilliseconds(), Granularity.Hour);
        var groups = database.Read(session =>
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
            merged += await database.WriteAsync(session => MergeBlocks(session, tid, hour), cancellationToken);
        }
        return merged;
    }

    private static int MergeBlocks(SqliteSession session, long tid, long hour)
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
                all.AddRange(OccurrenceBlocks.Unpack((byte[])reader.GetValue(0)));
                count++;
            }
        }
        all.Sort((a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
        Execute(session, "DELETE FROM blocks WHERE tid = $tid AND hour = $cut", tid, hour);
        var insert = session.Command("INSERT INTO blocks (tid, hour, seq, count, data) VALUES ($tid, $hour, 0, $count, $data)");
        insert.Parameters.AddWithValue("$tid", tid);
        insert.Parameters.AddWithValue("$hour", hour);
        insert.Parameters.AddWithValue("$count", all.Count);
        insert.Parameters.AddWithValue("$data", OccurrenceBlocks.Pack(all));
        insert.ExecuteNonQuery();
        return count;
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
}
