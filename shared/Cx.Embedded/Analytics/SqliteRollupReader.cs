using Cx.Core.Analytics;

namespace Cx.Embedded.Analytics;

/// <summary>Roll-up series from the <c>rollups</c> counters of the embedded analytics store (<see cref="IRollupReader"/>).</summary>
public sealed class SqliteRollupReader(AnalyticsDatabase database) : IRollupReader
{
    public async ValueTask<IReadOnlyList<RollupPoint>> ReadRollupsAsync(RollupQuery query, CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var points = new List<RollupPoint>();
            if (AnalyticsQueries.TypeIdOf(session, query.EventType) is not { } tid)
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
}
