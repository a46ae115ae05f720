using System.Buffers;
using System.Text;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Embedded.Sqlite;

namespace Cx.Embedded.Analytics;

/// <summary>
/// The interned ids of the analytics file (subjects and event types are stored as integers) and
/// their in-memory cache, one per file (<see cref="AnalyticsDatabase"/>). Only writes touch it, and
/// writes run one at a time, so it needs no lock; a write that fails marks it stale and the next
/// write drops it (<see cref="AnalyticsDatabase.WriteInterningAsync"/>).
/// </summary>
public sealed class AnalyticsIds
{
    private const int MaxCachedIds = 2_000_000;

    private readonly Dictionary<string, int> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _types = new(StringComparer.Ordinal);
    private bool _stale;

    /// <summary>The id of a subject key (<c>c:id</c>, <c>a:id</c>), interned when new.</summary>
    public int Subject(SqliteSession session, string subject) => Intern(session, _subjects, "subjects", "sid", "subject", subject);

    /// <summary>The id of an event type, interned when new.</summary>
    public int Type(SqliteSession session, string type) => Intern(session, _types, "event_types", "tid", "type", type);

    /// <summary>The id of an event type this write already interned (<see cref="Type"/>), without a statement.</summary>
    public int InternedType(string type) => _types[type];

    /// <summary>
    /// Gives every subject of the batch an id with two statements for all the new ones (the
    /// batch's first sight of 5,000 visitors costs two statements, not 10,000).
    /// </summary>
    public void InternSubjects(SqliteSession session, IReadOnlyList<EventFact> facts)
    {
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            if (!_subjects.ContainsKey(fact.Subject))
            {
                unknown.Add(fact.Subject);
            }
        }
        if (unknown.Count == 0)
        {
            return;
        }
        if (_subjects.Count + unknown.Count > MaxCachedIds)
        {
            _subjects.Clear();
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
                _subjects[subject] = checked((int)reader.GetInt64(0));
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
            _subjects[found.GetString(1)] = checked((int)found.GetInt64(0));
        }
    }

    /// <summary>Runs inside a write: drops the caches when a write that may have filled them failed.</summary>
    internal void ForgetAfterFailure()
    {
        if (Volatile.Read(ref _stale))
        {
            _subjects.Clear();
            _types.Clear();
            Volatile.Write(ref _stale, false);
        }
    }

    /// <summary>Called when an interning write failed: its ids were rolled back with it.</summary>
    internal void MarkStale() => Volatile.Write(ref _stale, true);

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

    /// <summary>A JSON array of strings, for one <c>json_each</c> parameter.</summary>
    private static string JsonArray(IEnumerable<string> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
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
}
