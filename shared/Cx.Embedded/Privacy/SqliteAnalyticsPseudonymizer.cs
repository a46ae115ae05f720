using Cx.Core.Events;
using Cx.Core.Privacy;
using Cx.Embedded.Analytics;

namespace Cx.Embedded.Privacy;

/// <summary>
/// Pseudonymises a customer in the embedded analytics store in one write: the subject rows of the
/// customer and of their linked anonymous ids get new keys (<c>c:pseudonym</c>, <c>a:pseudonym-n</c>),
/// keeping their numbers, so facts, roll-ups, occurrence blocks and links keep counting them. The
/// subject cache is dropped, so a later event for the same customer id starts a new subject.
/// </summary>
public sealed class SqliteAnalyticsPseudonymizer(AnalyticsDatabase database) : IAnalyticsPseudonymizer
{
    public async ValueTask<AnalyticsPseudonymization> PseudonymizeAsync(
        string customerId,
        string pseudonym,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return await database.WriteInterningAsync(
            (session, ids) =>
            {
                var find = session.Command("SELECT sid FROM subjects WHERE subject = $c");
                find.Parameters.AddWithValue("$c", SubjectKeys.Customer(customerId));
                if (find.ExecuteScalar() is not long customer)
                {
                    return new AnalyticsPseudonymization(0, 0, []);
                }
                var anonymous = session.Command(
                    "SELECT s.sid, s.subject FROM aliases a JOIN subjects s ON s.sid = a.anon_sid WHERE a.customer_sid = $sid ORDER BY s.sid"
                );
                anonymous.Parameters.AddWithValue("$sid", customer);
                var aliases = new List<(long Sid, string Id)>();
                using (var reader = anonymous.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        aliases.Add((reader.GetInt64(0), SubjectKeys.IdOf(reader.GetString(1))));
                    }
                }
                var rename = session.Command("UPDATE subjects SET subject = $s WHERE sid = $sid");
                var subject = rename.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Text);
                var sid = rename.Parameters.Add("$sid", Microsoft.Data.Sqlite.SqliteType.Integer);
                subject.Value = SubjectKeys.Customer(pseudonym);
                sid.Value = customer;
                rename.ExecuteNonQuery();
                for (var i = 0; i < aliases.Count; i++)
                {
                    subject.Value = SubjectKeys.Anonymous($"{pseudonym}-{i + 1}");
                    sid.Value = aliases[i].Sid;
                    rename.ExecuteNonQuery();
                }
                var count = session.Command(
                    "SELECT count(*) FROM facts WHERE sid = $sid OR sid IN (SELECT anon_sid FROM aliases WHERE customer_sid = $sid)"
                );
                count.Parameters.AddWithValue("$sid", customer);
                var facts = (long)count.ExecuteScalar()!;
                ids.MarkStale();
                return new AnalyticsPseudonymization(1 + aliases.Count, facts, [.. aliases.Select(a => a.Id)]);
            },
            solo: true,
            cancellationToken
        );
    }
}
