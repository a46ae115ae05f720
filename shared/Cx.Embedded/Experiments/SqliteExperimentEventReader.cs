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
    public async ValueTask ScanExposuresAsync(string experimentKey, Action<ExposureRow> onExposure, CancellationToken cancellationToken)
    {
        await database.InitializeAsync(cancellationToken);
        database.Read(session =>
        {
            if (AnalyticsQueries.TypeIdOf(session, ExperimentDocuments.ExposureEvent) is not { } tid)
            {
                return 0;
            }
            var command = session.Command(
                "SELECT f.sid, s.subject, f.ts FROM facts f JOIN subjects s ON s.sid = f.sid "
                    + "WHERE f.tid = $tid AND f.id = $id ORDER BY f.ts, f.seq"
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

    public async ValueTask ScanEventsAsync(
        string eventType,
        string? property,
        long fromMs,
        long toMs,
        Action<MetricEventRow> onEvent,
        CancellationToken cancellationToken
    )
    {
        await database.InitializeAsync(cancellationToken);
        var name = property is null ? null : Encoding.UTF8.GetBytes(property);
        database.Read(session =>
        {
            if (AnalyticsQueries.TypeIdOf(session, eventType) is not { } tid)
            {
                return 0;
            }
            var command = session.Command(
                name is null
                    ? "SELECT sid, ts FROM facts WHERE tid = $tid AND ts >= $from AND ts <= $to"
                    : "SELECT sid, ts, props FROM facts WHERE tid = $tid AND ts >= $from AND ts <= $to"
            );
            command.Parameters.AddWithValue("$tid", tid);
            command.Parameters.AddWithValue("$from", fromMs);
            command.Parameters.AddWithValue("$to", toMs);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                double? value = null;
                if (name is not null)
                {
                    value = ReadNumber((byte[])reader.GetValue(2), name);
                }
                onEvent(new MetricEventRow(reader.GetInt32(0), reader.GetInt64(1), value));
            }
            return 0;
        });
    }

    /// <summary>The top-level numeric property <paramref name="name"/> of a JSON object, or null.</summary>
    private static double? ReadNumber(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        if (json.IsEmpty)
        {
            return null;
        }
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) ? d : null;
            }
            reader.Skip();
        }
        return null;
    }
}
