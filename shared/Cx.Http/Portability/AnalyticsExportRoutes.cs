using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Portability;

/// <summary>The export routes of events and roll-up counters (literal segments, so they outrank any parameter route).</summary>
public static class AnalyticsExportRoutes
{
    public const string Events = "v1/events/export";

    public const string Rollups = "v1/analytics/rollups/export";

    private const string Streaming =
        " Streamed one page at a time, so memory stays bounded whatever the size. format: json (an array), ndjson (one row per line), "
        + "csv or parquet (docs/export.md lists the columns and their types). Every row ends with its cursor: an interrupted export "
        + "resumes with after=<the last cursor received> and the same other parameters. gzip when compress=gzip or Accept-Encoding "
        + "allows it. Unknown or repeated parameters are errors.";

    private static ApiParameter Query(string name, string description, Func<OpenApiSchema> schema, bool required = false) =>
        new(name, ApiParameterLocation.Query, description, ApiSchemaRef.Inline(schema)) { Required = required };

    private static IReadOnlyList<ApiParameter> Parameters(params ApiParameter[] first) =>
        [
            .. first,
            Query(
                "format",
                "json (default), ndjson, csv or parquet.",
                () => SchemaBuilder.Enumeration(["json", "ndjson", "csv", "parquet"])
            ),
            Query("from", "The start of the range (a date is midnight UTC).", () => SchemaBuilder.DateTime(), required: true),
            Query("to", "The end of the range (exclusive); now when absent.", () => SchemaBuilder.DateTime()),
            Query("type", "Only this event type.", () => SchemaBuilder.String()),
            Query(
                "after",
                "Resume after the row whose cursor this is.",
                () => new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 2048 }
            ),
            Query(
                "compress",
                "gzip: compress the body (Content-Encoding: gzip) whatever Accept-Encoding says; none: never.",
                () => SchemaBuilder.Enumeration(["gzip", "none"])
            ),
        ];

    private static readonly string[] FileTypes = ["application/json", "application/x-ndjson", "text/csv", "application/vnd.apache.parquet"];

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "ExportEvents",
                Method = "GET",
                Route = Events,
                Tag = ApiTags.Events,
                Summary = "Export events by time range (JSON, NDJSON, CSV or Parquet)",
                Description =
                    "Every retained event whose time lies in [from, to), per event type in (time, arrival) order: eventId, type, "
                    + "customerId, anonymousId, timestamp, receivedAt, page, custom, properties (JSON) and cursor."
                    + Streaming,
                Parameters = Parameters(),
                Responses = [new(200, "The export file, streamed; its media type follows the format.") { FileMediaTypes = FileTypes }],
                Problems = [400],
            },
            new()
            {
                OperationId = "ExportRollups",
                Method = "GET",
                Route = Rollups,
                Tag = ApiTags.Analytics,
                Summary = "Export roll-up counters (JSON, NDJSON, CSV or Parquet)",
                Description =
                    "Every stored roll-up counter of one granularity whose bucket starts in [from, to), per event type, breakdown, "
                    + "name, bucket and value: eventType, granularity, bucketStart, breakdown, name, value, count, sum and cursor. "
                    + "Only non-empty buckets are stored."
                    + Streaming,
                Parameters = Parameters(
                    Query(
                        "granularity",
                        "The bucket size: minute, hour or day.",
                        () => SchemaBuilder.Enumeration(["minute", "hour", "day"]),
                        required: true
                    )
                ),
                Responses = [new(200, "The export file, streamed; its media type follows the format.") { FileMediaTypes = FileTypes }],
                Problems = [400],
            },
        ];
}
