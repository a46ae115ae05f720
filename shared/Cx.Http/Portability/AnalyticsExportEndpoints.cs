using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Events;
using Cx.Core.Portability;
using Cx.Http.Analytics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Portability;

/// <summary>
/// Exports of events by time range and of analytics roll-up counters, in the formats of the
/// customer export and streamed the same way (<see cref="ExportResult"/>). Every bad parameter is a
/// 400 naming it before the first byte is written.
/// </summary>
public sealed class AnalyticsExportEndpoints(AnalyticsExportService exports, TimeProvider time, IOptions<PortabilityOptions> options)
{
    private static readonly string[] EventParameters = ["format", "from", "to", "type", "after", "compress"];
    private static readonly string[] RollupParameters = ["format", "granularity", "from", "to", "type", "after", "compress"];

    /// <summary><c>GET events/export?from=&amp;to=&amp;type=&amp;format=&amp;after=&amp;compress=</c>.</summary>
    public IResult ExportEvents(HttpRequest request) => Stream(PlanEvents(request.Query, ExportEndpoints.AcceptsGzip(request)), "events");

    /// <summary><c>GET analytics/rollups/export?granularity=&amp;from=&amp;to=&amp;type=&amp;format=&amp;after=&amp;compress=</c>.</summary>
    public IResult ExportRollups(HttpRequest request)
    {
        var planned = PlanRollups(request.Query, ExportEndpoints.AcceptsGzip(request), out var granularity);
        return Stream(planned, "rollups-" + AnalyticsInput.UnitOf(granularity));
    }

    private static ExportResult Stream(PlannedExport planned, string fileName) =>
        new(planned.Format, fileName, planned.Gzip, (output, ct) => planned.WriteAsync(output, null, ct));

    /// <summary>Checks the query of an event export (400 naming the parameter) and plans it.</summary>
    internal PlannedExport PlanEvents(IQueryCollection request, bool acceptsGzip)
    {
        var query = Read(request, EventParameters);
        var errors = new List<FieldError>();
        var (format, gzip, from, to, type) = Common(acceptsGzip, query, errors);
        AnalyticsInput.ThrowIfAny(errors);
        var after = query.GetValueOrDefault("after");
        AnalyticsExportService.ParseEventCursor(after);
        var export = new EventExportQuery(from, to, type);
        return new PlannedExport(
            format,
            gzip,
            AnalyticsExportService.EventColumns,
            "cursor",
            after,
            (resume, ct) => exports.EventRowsAsync(export, AnalyticsExportService.ParseEventCursor(resume), ct),
            options.Value.ParquetRowGroupSize
        );
    }

    /// <summary>Checks the query of a roll-up export (400 naming the parameter) and plans it.</summary>
    internal PlannedExport PlanRollups(IQueryCollection request, bool acceptsGzip, out Granularity granularity)
    {
        var query = Read(request, RollupParameters);
        var errors = new List<FieldError>();
        Granularity? parsed = query.GetValueOrDefault("granularity") switch
        {
            "minute" => Granularity.Minute,
            "hour" => Granularity.Hour,
            "day" => Granularity.Day,
            _ => null,
        };
        if (parsed is null)
        {
            errors.Add(
                AnalyticsInput.Query(
                    "granularity",
                    query.ContainsKey("granularity") ? "enum" : "required",
                    "granularity is minute, hour or day."
                )
            );
        }
        var (format, gzip, from, to, type) = Common(acceptsGzip, query, errors);
        AnalyticsInput.ThrowIfAny(errors);
        var after = query.GetValueOrDefault("after");
        AnalyticsExportService.ParseRollupCursor(after);
        granularity = parsed!.Value;
        var export = new RollupExportQuery(granularity, from, to, type);
        return new PlannedExport(
            format,
            gzip,
            AnalyticsExportService.RollupColumns,
            "cursor",
            after,
            (resume, ct) => exports.RollupRowsAsync(export, AnalyticsExportService.ParseRollupCursor(resume), ct),
            options.Value.ParquetRowGroupSize
        );
    }

    /// <summary>The parameters of <paramref name="query"/>, each allowed and given once (400 otherwise).</summary>
    private static Dictionary<string, string> Read(IQueryCollection query, IReadOnlyList<string> allowed)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<FieldError>();
        foreach (var (name, value) in query)
        {
            if (!allowed.Contains(name))
            {
                errors.Add(AnalyticsInput.Query(name, "unknown-parameter", $"Unknown parameter. Use {string.Join(", ", allowed)}."));
            }
            else if (value.Count != 1)
            {
                errors.Add(AnalyticsInput.Query(name, "repeated", $"'{name}' may appear once."));
            }
            else
            {
                values[name] = value[0] ?? "";
            }
        }
        AnalyticsInput.ThrowIfAny(errors);
        return values;
    }

    private (ExportFormat Format, bool Gzip, DateTimeOffset From, DateTimeOffset To, string? Type) Common(
        bool acceptsGzip,
        Dictionary<string, string> query,
        List<FieldError> errors
    )
    {
        var format = ExportFormat.Json;
        try
        {
            format = ExportFormats.Parse(query.GetValueOrDefault("format"));
        }
        catch (ValidationException e)
        {
            errors.AddRange(e.Errors);
        }
        var gzip = query.GetValueOrDefault("compress") switch
        {
            null => acceptsGzip,
            "gzip" => true,
            "none" => false,
            _ => Bad(errors, "compress", "value", "compress is gzip or none."),
        };
        var (from, to) = AnalyticsInput.ReadRange(query, time, errors, ErrorLocation.Query);
        if (errors.All(e => e.Path is not "from" and not "to") && to <= from)
        {
            errors.Add(AnalyticsInput.Query("to", "range", "to is after from."));
        }
        var type = query.GetValueOrDefault("type");
        if (type is not null && !EventTypeRegistry.IsEventTypeKey(type))
        {
            errors.Add(AnalyticsInput.Query("type", "event-type", "type is an event type: [a-z][a-z0-9_.-]{0,63}."));
        }
        if (query.TryGetValue("after", out var after) && (after.Length == 0 || after.Length > ExportCursors.MaxLength))
        {
            errors.Add(AnalyticsInput.Query("after", "cursor", "after is the cursor of a row of an earlier export."));
        }
        return (format, gzip, from, to, type);
    }

    private static bool Bad(List<FieldError> errors, string name, string code, string detail)
    {
        errors.Add(AnalyticsInput.Query(name, code, detail));
        return false;
    }
}
