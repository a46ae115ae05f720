using System.Runtime.InteropServices;
using Cx.Core.Analytics;

namespace Cx.Embedded.Analytics;

/// <summary>
/// The occurrence blocks of the embedded analytics store (<see cref="IEventOccurrenceReader"/>):
/// per event type and UTC hour, packed (subject id, time) pairs (<see cref="OccurrenceBlocks"/>) that
/// funnels and journeys scan, with the interned subjects and their merges.
/// </summary>
public sealed class SqliteOccurrenceReader(AnalyticsDatabase database) : IEventOccurrenceReader
{
    public async ValueTask ScanAsync(
        string eventType,
        DateTimeOffset from,
        DateTimeOffset to,
        Action<ReadOnlySpan<SubjectOccurrence>> onBlock,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        database.Read(session =>
        {
            if (AnalyticsQueries.TypeIdOf(session, eventType) is not { } tid)
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
                buffer.Clear();
                OccurrenceBlocks.AddInRange(reader.GetInt64(0), ((byte[])reader.GetValue(1)).AsSpan(), fromMs, toMs, buffer);
                onBlock(CollectionsMarshal.AsSpan(buffer));
            }
            return 0;
        });
    }

    public async ValueTask<IReadOnlyDictionary<int, int>> ReadSubjectMergesAsync(CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
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
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var result = new Dictionary<int, string>();
            foreach (var chunk in subjectIds.Chunk(AnalyticsQueries.InChunk))
            {
                var command = AnalyticsQueries.InList(session, "SELECT sid, subject FROM subjects WHERE sid IN (", chunk);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    result[reader.GetInt32(0)] = reader.GetString(1);
                }
            }
            return (IReadOnlyDictionary<int, string>)result;
        });
    }
}
