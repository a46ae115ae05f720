using System.Text;
using System.Text.Json;
using Cx.Core.Experiments;
using Cx.Embedded.Analytics;

namespace Cx.Embedded.Experiments;

/// <summary>
/// The significance run's reads from the embedded analytics store (<see cref="IExperimentEventReader"/>):
/// exposure facts by their event id (one per unit and experiment), and a metric's facts by type and
/// time through the (type, time) index, with the numeric property read from the stored properties.
/// </summary>
public sealed class SqliteExperimentEventReader(AnalyticsDatabase database) : IExperimentEventReader
{
    /// <summary>
    /// A partial index over the exposure facts' event ids only (other facts add nothing to it), so an
    /// experiment's exposures are found without reading every experiment's. Created once, here: the
    /// query below repeats its condition so SQLite can use it.
    /// </summary>
    private const string ExposureIndex =
        "CREATE INDEX IF NOT EXISTS ix_facts_experiment_exposure ON facts(id, sid) WHERE id LIKE 'exposure:experiment:%'";

    private volatile bool _indexed;

    public async ValueTask ScanExposuresAsync(string experimentKey, Action<ExposureRow> onExposure, CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        if (!_indexed)
        {
            await database.WriteAsync(session => session.Command(ExposureIndex).ExecuteNonQuery(), cancellationToken);
            _indexed = true;
        }
        database.Read(session =>
        {
            if (AnalyticsQueries.TypeIdOf(session, ExperimentDocuments.ExposureEvent) is not { } tid)
            {
                return 0;
            }
            var command = session.Command(
                "SELECT f.sid, s.subject, f.ts FROM facts f JOIN subjects s ON s.sid = f.sid "
                    + "WHERE f.id = $id AND f.id LIKE 'exposure:experiment:%' AND f.tid = $tid"
            );
            command.Parameters.AddWithValue("$tid", tid);
            command.Parameters.AddWithValue("$id", ExperimentDocuments.ExposureEventId(experimentKey));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                onExposure(new ExposureRow(reader.GetInt32(0), reader.GetString(1), reader.GetInt64(2)));
            }
            return 0;
        });
    }

    public async ValueTask ScanLinksAsync(string experimentKey, Action<UnitLink> onLink, CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        database.Read(session =>
        {
            if (AnalyticsQueries.TypeIdOf(session, ExperimentDocuments.ExposureEvent) is not { } tid)
            {
                return 0;
            }
            // The exposures by the experiment's id (the partial index), each joined to the links of its
            // subject on either side: the aliases' key (anonymous) or their customer index.
            const string Exposed = "SELECT f.sid FROM facts f WHERE f.id = $id AND f.id LIKE 'exposure:experiment:%' AND f.tid = $tid";
            var command = session.Command(
                "SELECT a.anon_sid, a.customer_sid, s.subject FROM aliases a JOIN subjects s ON s.sid = a.customer_sid "
                    + $"WHERE a.anon_sid IN ({Exposed}) OR a.customer_sid IN ({Exposed})"
            );
            command.Parameters.AddWithValue("$tid", tid);
            command.Parameters.AddWithValue("$id", ExperimentDocuments.ExposureEventId(experimentKey));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                onLink(new UnitLink(reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2)));
            }
            return 0;
        });
    }

    public async ValueTask ScanEventsAsync(
        string eventType,
        IReadOnlyList<string> properties,
        long fromMs,
        long toMs,
        MetricEventHandler onEvent,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        var names = properties.Select(Encoding.UTF8.GetBytes).ToArray();
        database.Read(session =>
        {
            if (AnalyticsQueries.TypeIdOf(session, eventType) is not { } tid)
            {
                return 0;
            }
            var command = session.Command(
                names.Length == 0
                    ? "SELECT sid, ts FROM facts WHERE tid = $tid AND ts >= $from AND ts <= $to"
                    : "SELECT sid, ts, props FROM facts WHERE tid = $tid AND ts >= $from AND ts <= $to"
            );
            command.Parameters.AddWithValue("$tid", tid);
            command.Parameters.AddWithValue("$from", fromMs);
            command.Parameters.AddWithValue("$to", toMs);
            var values = new double?[names.Length];
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (names.Length > 0)
                {
                    ReadNumbers((byte[])reader.GetValue(2), names, values);
                }
                onEvent(reader.GetInt32(0), reader.GetInt64(1), values);
            }
            return 0;
        });
    }

    /// <summary>The top-level numeric properties <paramref name="names"/> of a JSON object into <paramref name="values"/> (null when absent or not a number).</summary>
    private static void ReadNumbers(ReadOnlySpan<byte> json, byte[][] names, double?[] values)
    {
        Array.Clear(values);
        if (json.IsEmpty)
        {
            return;
        }
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            for (var i = 0; i < names.Length; i++)
            {
                if (reader.ValueTextEquals(names[i]))
                {
                    index = i;
                    break;
                }
            }
            reader.Read();
            if (index >= 0 && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d))
            {
                values[index] = d;
            }
            reader.Skip();
        }
    }
}
