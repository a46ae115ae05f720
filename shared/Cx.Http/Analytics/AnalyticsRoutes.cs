using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Analytics;

/// <summary>The analytics read API: roll-up series, funnels, journeys and their reports (staff with analytics:read).</summary>
public static class AnalyticsRoutes
{
    /// <summary><c>GET</c>: a roll-up time series of one event type.</summary>
    public const string Rollups = "v1/analytics/rollups";

    /// <summary><c>POST</c>: run a funnel (a query body; nothing is written).</summary>
    public const string Funnels = "v1/analytics/funnels";

    public const string Journeys = "v1/journeys";

    public const string JourneyByKey = "v1/journeys/{journeyKey}";

    /// <summary><c>GET</c>: a journey's stages over a range, computed now.</summary>
    public const string JourneyReport = "v1/journeys/{journeyKey}/report";

    public static string JourneyLocation(string key) => ApiRoutes.Path("v1/journeys/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef JourneyDocument = ApiSchemaRef.Named(JourneySchemas.JourneyDocument);

    private static readonly ApiSchemaRef JourneyInput = ApiSchemaRef.Named(JourneySchemas.JourneyInput);

    private static readonly ApiParameter JourneyKey = new(
        "journeyKey",
        ApiParameterLocation.Path,
        "The journey's key.",
        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = JourneySchemas.JourneyKeyPattern })
    )
    {
        Required = true,
    };

    private static ApiParameter Query(string name, string description, Func<OpenApiSchema> schema, bool required = false) =>
        new(name, ApiParameterLocation.Query, description, ApiSchemaRef.Inline(schema)) { Required = required };

    private static ApiParameter To { get; } =
        Query("to", "The end of the range (exclusive); now when absent.", () => SchemaBuilder.DateTime());

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "GetRollups",
                Method = "GET",
                Route = Rollups,
                Tag = ApiTags.Analytics,
                Summary = "A roll-up time series of one event type",
                Description =
                    "Buckets (UTC minute, hour or day) whose start lies in [from, to), by event time, so late events are in the bucket "
                    + "of when they happened. The total series lists every bucket, zero when empty; page and dimension breakdowns list "
                    + "only the (bucket, value) pairs with events. Ranges: at most 1 day of minutes (kept 14 days), 31 days of hours, "
                    + "366 days of days. Unknown or repeated parameters are errors.",
                Parameters =
                [
                    Query("event", "The event type.", () => SchemaBuilder.String(), required: true),
                    Query(
                        "granularity",
                        "The bucket size.",
                        () => SchemaBuilder.Enumeration(AnalyticsSchemas.Granularities),
                        required: true
                    ),
                    Query("from", "The start of the range (a date is midnight UTC).", () => SchemaBuilder.DateTime(), required: true),
                    To,
                    Query(
                        "breakdown",
                        "total (default), page (hour and day only) or dimension (a rollupDimension of the type; hour and day only).",
                        () => SchemaBuilder.Enumeration(AnalyticsSchemas.Breakdowns)
                    ),
                    Query("name", "The dimension, with breakdown=dimension.", () => SchemaBuilder.String()),
                ],
                Responses = [new(200, "The series.") { Schema = ApiSchemaRef.Inline(AnalyticsSchemas.RollupSeries) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "QueryFunnel",
                Method = "POST",
                Route = Funnels,
                Tag = ApiTags.Analytics,
                Summary = "Run a funnel",
                Description =
                    "2-10 ordered steps (event types), a conversion window and the range of step-1 times. A subject (a customer, or an "
                    + "anonymous id not merged into one) counts at step k when it did steps 1..k in order, each strictly later than the "
                    + "previous, all before its step-1 time plus the window. A query, not a write: POST carries the structured body.",
                RequestBody = new(ApiSchemaRef.Inline(AnalyticsSchemas.FunnelBody), [RequestBody.Json], "The funnel."),
                Responses = [new(200, "Counts and conversion per step.") { Schema = ApiSchemaRef.Inline(AnalyticsSchemas.FunnelResult) }],
                Problems = [400, 413, 415],
            },
            RestOperations.List("ListJourneys", Journeys, ApiTags.Analytics, "List journeys", JourneyDocument, filter: null),
            RestOperations.Create("CreateJourney", Journeys, ApiTags.Analytics, "Create a journey", JourneyInput, JourneyDocument),
            RestOperations.Get("GetJourney", JourneyByKey, ApiTags.Analytics, "Read a journey", JourneyDocument, fields: false) with
            {
                Parameters = [JourneyKey, ApiParameters.IfNoneMatch],
            },
            RestOperations
                .Replace("ReplaceJourney", JourneyByKey, ApiTags.Analytics, "Change a journey", JourneyInput, JourneyDocument)
                .WithoutProblems(409) with
            {
                Parameters = [JourneyKey, ApiParameters.IfMatch],
            },
            RestOperations.Delete("DeleteJourney", JourneyByKey, ApiTags.Analytics, "Delete a journey") with
            {
                Parameters = [JourneyKey, ApiParameters.IfMatch],
            },
            new()
            {
                OperationId = "GetJourneyReport",
                Method = "GET",
                Route = JourneyReport,
                Tag = ApiTags.Analytics,
                Summary = "A journey's stages and drop-off over a range",
                Description =
                    "Computed now: awareness events in [from, to), consideration and action after them, in order, within the journey's "
                    + "conversion window. The daily reports the timer writes are entries of the journey-report content type.",
                Parameters =
                [
                    JourneyKey,
                    Query("from", "The start of the range (a date is midnight UTC).", () => SchemaBuilder.DateTime(), required: true),
                    To,
                ],
                Responses = [new(200, "The report.") { Schema = ApiSchemaRef.Inline(AnalyticsSchemas.JourneyReport) }],
                Problems = [400, 404],
            },
        ];
}
