using System.Globalization;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Analytics;

/// <summary>
/// Journey reports as content: the built-in collection type <c>journey-report</c>, whose entries
/// the daily timer writes (one per journey and UTC day, id <c>{journey}-{yyyy-MM-dd}</c>) and
/// everyone with <c>content:read</c> and <c>analytics:read</c> reads through the content API.
/// Every field is system-managed and the type is system-written: clients cannot create, change
/// or delete reports.
/// </summary>
public static class JourneyReports
{
    public const string TypeKey = "journey-report";

    public const string StageComponent = "journey-report-stage";

    /// <summary>The entry id of a journey's report of one UTC day.</summary>
    public static string EntryId(string journey, DateTimeOffset day) =>
        journey + "-" + day.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static ContentType ContentType { get; } =
        new()
        {
            Key = TypeKey,
            DisplayName = "Journey report",
            Description =
                "A journey's stages (awareness, consideration, action) over one UTC day: who reached each stage and who dropped off "
                + "before the next. Written daily by Cx; read-only for clients.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            SystemWritten = true,
            ReadPermission = Permissions.AnalyticsRead,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "journey",
                    Type = FieldType.String,
                    MaxLength = JourneyRegistry.MaxKeyLength,
                    Indexed = true,
                    SystemManaged = true,
                    Description = "The journey's key.",
                },
                new FieldDefinition
                {
                    Name = "journeyVersion",
                    Type = FieldType.Integer,
                    Min = 1,
                    SystemManaged = true,
                    Description = "The version of the journey definition the report was computed with.",
                },
                new FieldDefinition
                {
                    Name = "from",
                    Type = FieldType.DateTime,
                    Indexed = true,
                    SystemManaged = true,
                    Description = "The start of the period (UTC midnight): awareness events from here ...",
                },
                new FieldDefinition
                {
                    Name = "to",
                    Type = FieldType.DateTime,
                    SystemManaged = true,
                    Description = "... until here (exclusive). Later stages may follow within the conversion window.",
                },
                new FieldDefinition
                {
                    Name = "conversionWindow",
                    Type = FieldType.String,
                    MaxLength = 32,
                    SystemManaged = true,
                    Description = "ISO 8601 duration: every stage within this time of the awareness event.",
                },
                new FieldDefinition
                {
                    Name = "computedAt",
                    Type = FieldType.DateTime,
                    SystemManaged = true,
                    Description = "When the report was computed: conversions known at that moment are counted.",
                },
                new FieldDefinition
                {
                    Name = "stages",
                    Type = FieldType.Component,
                    Component = StageComponent,
                    Repeatable = true,
                    MaxItems = 3,
                    SystemManaged = true,
                    Description = "Awareness, consideration and action, in order.",
                },
            ],
        };

    public static ComponentDefinition Stage { get; } =
        new()
        {
            Key = StageComponent,
            DisplayName = "Journey report stage",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "stage",
                    Type = FieldType.Enumeration,
                    Values = [.. Enum.GetValues<JourneyStage>().Select(JourneyRegistry.Name)],
                    Required = true,
                },
                new FieldDefinition
                {
                    Name = "events",
                    Type = FieldType.Json,
                    Description = "The event types of the stage (an array of strings).",
                },
                new FieldDefinition
                {
                    Name = "reached",
                    Type = FieldType.Integer,
                    Min = 0,
                    Required = true,
                    Description = "Subjects that reached the stage (after the previous ones, within the window).",
                },
                new FieldDefinition
                {
                    Name = "droppedOff",
                    Type = FieldType.Integer,
                    Min = 0,
                    Description = "Of those, subjects that did not reach the next stage (absent for action).",
                },
                new FieldDefinition
                {
                    Name = "dropOffRate",
                    Type = FieldType.Number,
                    Min = 0,
                    Max = 1,
                    Description = "droppedOff / reached, rounded to 4 decimals (absent for action or when nobody reached the stage).",
                },
            ],
        };

    public static IReadOnlyList<ComponentDefinition> Components { get; } = [Stage];

    /// <summary>The entry body of a report (the fields only; the entry service adds the envelope).</summary>
    public static JsonObject ToEntry(JourneyReport report)
    {
        var stages = new JsonArray();
        foreach (var stage in report.Stages)
        {
            var item = new JsonObject
            {
                ["stage"] = JourneyRegistry.Name(stage.Stage),
                ["events"] = new JsonArray([.. stage.EventTypes.Select(t => (JsonNode)t)]),
                ["reached"] = stage.Reached,
            };
            if (stage.DroppedOff is { } droppedOff)
            {
                item["droppedOff"] = droppedOff;
            }
            if (stage.DropOffRate is { } rate)
            {
                item["dropOffRate"] = rate;
            }
            stages.Add(item);
        }
        return new JsonObject
        {
            ["journey"] = report.Journey,
            ["journeyVersion"] = (long)report.JourneyVersion,
            ["from"] = Instants.Format(report.From),
            ["to"] = Instants.Format(report.To),
            ["conversionWindow"] = report.ConversionWindow,
            ["computedAt"] = Instants.Format(report.ComputedAt),
            ["stages"] = stages,
        };
    }
}

/// <summary>
/// Writes journey reports as <c>journey-report</c> entries: for every journey, one report per
/// complete UTC day of the last <see cref="AnalyticsOptions.JourneyReportDays"/> days. Idempotent:
/// an entry's id is <c>{journey}-{date}</c>, so a re-run replaces the day's report instead of
/// adding one. A report that fails is logged and the others are still written; the run then
/// fails, naming how many, so the timer's invocation shows up as failed.
/// </summary>
public sealed partial class JourneyReportWriter(
    JourneyRegistry journeys,
    EntryService entries,
    TimeProvider time,
    IOptions<AnalyticsOptions> options,
    ILogger<JourneyReportWriter> logger
)
{
    /// <summary>Writes the reports of the days before today (UTC); returns how many entries were written.</summary>
    /// <exception cref="InvalidOperationException">Some reports failed (the others were written).</exception>
    public async Task<int> WriteRecentAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var written = 0;
        var failed = 0;
        await foreach (var journey in journeys.AllAsync(cancellationToken))
        {
            for (var back = options.Value.JourneyReportDays; back >= 1; back--)
            {
                var day = today.AddDays(-back);
                try
                {
                    await WriteAsync(journey, day, cancellationToken);
                    written++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed++;
                    LogReportFailed(logger, ex, journey.Key, day);
                }
            }
        }
        LogReportsWritten(logger, written);
        return failed == 0
            ? written
            : throw new InvalidOperationException($"{failed} journey report(s) could not be written ({written} were); see the log.");
    }

    /// <summary>Computes the journey's report of one UTC day and stores it (created, or replaced when it exists).</summary>
    public async Task<StoredDocument> WriteAsync(JourneyDefinition journey, DateTimeOffset day, CancellationToken cancellationToken)
    {
        var from = new DateTimeOffset(day.UtcDateTime.Date, TimeSpan.Zero);
        var report = await journeys.ReportAsync(journey, from, from.AddDays(1), cancellationToken);
        var id = JourneyReports.EntryId(journey.Key, from);
        // The entry service consumes the body it validates: each attempt gets its own.
        Task<StoredDocument> ReplaceAsync() =>
            entries.ReplaceAsync(JourneyReports.TypeKey, id, JourneyReports.ToEntry(report), null, cancellationToken, WriteActor.System);
        try
        {
            return await ReplaceAsync();
        }
        catch (NotFoundException)
        {
            var body = JourneyReports.ToEntry(report);
            body["id"] = id;
            try
            {
                return await entries.CreateAsync(JourneyReports.TypeKey, body, cancellationToken, WriteActor.System);
            }
            catch (DocumentExistsException)
            {
                // Another instance wrote it first: replace it with this computation.
                return await ReplaceAsync();
            }
        }
    }

    [LoggerMessage(EventId = 1610, Level = LogLevel.Information, Message = "Wrote {Count} journey reports")]
    private static partial void LogReportsWritten(ILogger logger, int count);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Error, Message = "The report of journey {Journey} for {Day} could not be written")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string journey, DateTimeOffset day);
}
