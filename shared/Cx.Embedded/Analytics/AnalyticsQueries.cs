using System.Globalization;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;

namespace Cx.Embedded.Analytics;

/// <summary>The lookups several analytics ports share: interned ids by name, and a customer's subjects.</summary>
internal static class AnalyticsQueries
{
    /// <summary>Ids per <c>IN (...)</c> list.</summary>
    public const int InChunk = 500;

    /// <summary>
    /// A command whose text is <paramref name="head"/>, then an <c>IN</c> list of <paramref name="values"/>
    /// bound as <c>$p0,$p1,...</c>, then <paramref name="tail"/>.
    /// </summary>
    public static SqliteCommand InList<T>(SqliteSession session, string head, IReadOnlyList<T> values, string tail = ")")
    {
        var names = new string[values.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = "$p" + i.ToString(CultureInfo.InvariantCulture);
        }
        var command = session.Command(head + string.Join(",", names) + tail);
        for (var i = 0; i < names.Length; i++)
        {
            command.Parameters.AddWithValue(names[i], values[i]);
        }
        return command;
    }

    /// <summary>Every row of <paramref name="command"/>, mapped by <paramref name="row"/>.</summary>
    public static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> row)
    {
        var rows = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(row(reader));
        }
        return rows;
    }

    /// <summary>The event type's id, or null when it was never seen.</summary>
    public static long? TypeIdOf(SqliteSession session, string type)
    {
        var command = session.Command("SELECT tid FROM event_types WHERE type = $t");
        command.Parameters.AddWithValue("$t", type);
        return command.ExecuteScalar() as long?;
    }

    /// <summary>The type's id (none when never seen), or every type's id for <see cref="BehaviorQuery.AnyEventType"/>.</summary>
    public static List<long> TypeIdsOf(SqliteSession session, string eventType) =>
        eventType == BehaviorQuery.AnyEventType ? AllTypeIds(session)
        : TypeIdOf(session, eventType) is { } tid ? [tid]
        : [];

    public static List<long> AllTypeIds(SqliteSession session) =>
        ReadAll(session.Command("SELECT tid FROM event_types"), static reader => reader.GetInt64(0));

    /// <summary>The customer's own subject id and those of the anonymous ids merged into it.</summary>
    public static List<long> SubjectIdsOf(SqliteSession session, string customerId)
    {
        var command = session.Command(
            "SELECT sid FROM subjects WHERE subject = $c UNION ALL "
                + "SELECT a.anon_sid FROM aliases a WHERE a.customer_sid = (SELECT sid FROM subjects WHERE subject = $c)"
        );
        command.Parameters.AddWithValue("$c", SubjectKeys.Customer(customerId));
        return ReadAll(command, static reader => reader.GetInt64(0));
    }
}
