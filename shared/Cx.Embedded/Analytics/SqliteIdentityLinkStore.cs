using Cx.Core.Events;

namespace Cx.Embedded.Analytics;

/// <summary>
/// The anonymous-to-customer links of the embedded analytics store (<see cref="IIdentityLinkStore"/>):
/// first link wins, at most a set number of anonymous ids per customer, checked and written in one
/// write. Links are resolved when aggregates are read (ADR 0102), so linking rewrites no facts.
/// </summary>
public sealed class SqliteIdentityLinkStore(AnalyticsDatabase database) : IIdentityLinkStore
{
    public async ValueTask<LinkOutcome> LinkAsync(
        string anonymousId,
        string customerId,
        int maxAliases,
        DateTimeOffset at,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        return await database.WriteInterningAsync(
            (session, ids) =>
            {
                var anon = ids.Subject(session, SubjectKeys.Anonymous(anonymousId));
                var customer = ids.Subject(session, SubjectKeys.Customer(customerId));
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
        await database.InitializeAsync(cancellationToken);
        return database.Read(session =>
        {
            var command = session.Command(
                "SELECT s.subject FROM aliases a JOIN subjects s ON s.sid = a.anon_sid "
                    + "WHERE a.customer_sid = (SELECT sid FROM subjects WHERE subject = $c) ORDER BY a.linked_at, s.subject"
            );
            command.Parameters.AddWithValue("$c", SubjectKeys.Customer(customerId));
            return (IReadOnlyList<string>)AnalyticsQueries.ReadAll(command, static reader => SubjectKeys.IdOf(reader.GetString(0)));
        });
    }
}
