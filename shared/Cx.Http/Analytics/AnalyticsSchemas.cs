using Cx.Core.Analytics;
using Cx.Http.Events;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Analytics;

/// <summary>
/// The wire shapes of the analytics responses (the contracts of <see cref="AnalyticsJsonContext"/>),
/// described by hand for the enumerations, formats and descriptions the records do not carry; the
/// integration tests validate every response against these.
/// </summary>
internal static class AnalyticsSchemas
{
    public static IReadOnlyList<string> Granularities { get; } = [.. Enum.GetNames<Granularity>().Select(n => n.ToLowerInvariant())];

    public static IReadOnlyList<string> Breakdowns { get; } = ["total", "page", "dimension"];

    public static IReadOnlyList<string> Stages { get; } = [.. Enum.GetValues<JourneyStage>().Select(JourneyRegistry.Name)];

    private static OpenApiSchema Object(string? description, Dictionary<string, IOpenApiSchema> properties, params string[] required) =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = description,
            Properties = properties,
            Required = new SortedSet<string>(required, StringComparer.Ordinal),
            AdditionalPropertiesAllowed = false,
        };

    private static OpenApiSchema Duration(string description)
    {
        var schema = SchemaBuilder.String(description);
        schema.Pattern = SchemaBuilder.DurationUpTo90DaysPattern;
        return schema;
    }

    private static OpenApiSchema Array(IOpenApiSchema items, int? minItems = null, int? maxItems = null) =>
        new()
        {
            Type = JsonSchemaType.Array,
            Items = items,
            MinItems = minItems,
            MaxItems = maxItems,
        };

    private static OpenApiSchema Number(string description) => new() { Type = JsonSchemaType.Number, Description = description };

    private static OpenApiSchema Rate(string description) =>
        new()
        {
            Type = JsonSchemaType.Number | JsonSchemaType.Null,
            Minimum = "0",
            Maximum = "1",
            Description = description + " A fraction rounded to 4 decimals; null when the denominator is 0.",
        };

    private static OpenApiSchema EventType(string? description = null) =>
        new()
        {
            Type = JsonSchemaType.String,
            Pattern = EventTypeSchemas.EventTypeKeyPattern,
            Description = description,
        };

    public static OpenApiSchema RollupSeries() =>
        Object(
            "A roll-up series: buckets whose start lies in [from, to). A total series lists every bucket (zero when empty); "
                + "a breakdown lists only (bucket, value) pairs with events, ordered by bucket, then value.",
            new()
            {
                ["event"] = EventType(),
                ["granularity"] = SchemaBuilder.Enumeration(Granularities),
                ["breakdown"] = SchemaBuilder.Enumeration(Breakdowns),
                ["name"] = SchemaBuilder.String("The dimension (breakdown=dimension only)."),
                ["from"] = SchemaBuilder.DateTime(),
                ["to"] = SchemaBuilder.DateTime(),
                ["count"] = SchemaBuilder.Integer(0, null, "Events over the whole series."),
                ["sum"] = Number("The sum of the type's value property over the whole series (0 when it has none)."),
                ["buckets"] = Array(
                    Object(
                        null,
                        new()
                        {
                            ["start"] = SchemaBuilder.DateTime("The bucket's start (UTC)."),
                            ["value"] = SchemaBuilder.String("The page or dimension value (breakdowns only)."),
                            ["count"] = SchemaBuilder.Integer(0, null, "Events in the bucket."),
                            ["sum"] = Number("The sum of the value property in the bucket."),
                        },
                        "start",
                        "count",
                        "sum"
                    )
                ),
            },
            "event",
            "granularity",
            "breakdown",
            "from",
            "to",
            "count",
            "sum",
            "buckets"
        );

    public static OpenApiSchema FunnelBody() =>
        Object(
            "A funnel query: ordered steps, a conversion window and the range of step-1 times.",
            new()
            {
                ["steps"] = Array(
                    Object("A step: one event type.", new() { ["event"] = EventType() }, "event"),
                    FunnelQuery.MinSteps,
                    FunnelQuery.MaxSteps
                ),
                ["window"] = Duration("ISO 8601 duration (days, hours, minutes, seconds; at most P90D) such as P7D or PT30M."),
                ["from"] = SchemaBuilder.DateTime("Step-1 occurrences from here ..."),
                ["to"] = SchemaBuilder.DateTime("... until here (exclusive); now when absent. After from, and at most 92 days after it."),
            },
            "steps",
            "window",
            "from"
        );

    public static OpenApiSchema FunnelResult() =>
        Object(
            "Subjects per step: a subject counts at step k when it did steps 1..k in order, each strictly later than the previous, "
                + "all before its step-1 time plus the window. Anonymous ids merged into a customer count as that customer.",
            new()
            {
                ["from"] = SchemaBuilder.DateTime(),
                ["to"] = SchemaBuilder.DateTime(),
                ["window"] = SchemaBuilder.String("ISO 8601 duration."),
                ["steps"] = Array(
                    Object(
                        null,
                        new()
                        {
                            ["event"] = EventType(),
                            ["count"] = SchemaBuilder.Integer(0, null, "Subjects that reached this step."),
                            ["conversionFromFirst"] = Rate("count / count of step 1."),
                            ["conversionFromPrevious"] = Rate("count / count of the previous step."),
                            ["dropOff"] = SchemaBuilder.Integer(0, null, "Subjects of the previous step that did not reach this one."),
                            ["dropOffRate"] = Rate("dropOff / count of the previous step."),
                        },
                        "event",
                        "count",
                        "conversionFromFirst",
                        "conversionFromPrevious",
                        "dropOff",
                        "dropOffRate"
                    ),
                    FunnelQuery.MinSteps,
                    FunnelQuery.MaxSteps
                ),
            },
            "from",
            "to",
            "window",
            "steps"
        );

    public static OpenApiSchema JourneyReport() =>
        Object(
            "A journey's stages over [from, to): awareness events in the range, later stages in order within the conversion window.",
            new()
            {
                ["journey"] = SchemaBuilder.Key("The journey's key."),
                ["journeyVersion"] = SchemaBuilder.Integer(1, null, "The version of the definition used."),
                ["from"] = SchemaBuilder.DateTime(),
                ["to"] = SchemaBuilder.DateTime(),
                ["conversionWindow"] = SchemaBuilder.String("ISO 8601 duration."),
                ["computedAt"] = SchemaBuilder.DateTime("Conversions known at this moment are counted."),
                ["stages"] = Array(
                    Object(
                        null,
                        new()
                        {
                            ["stage"] = SchemaBuilder.Enumeration(Stages),
                            ["events"] = Array(EventType()),
                            ["reached"] = SchemaBuilder.Integer(0, null, "Subjects that reached the stage."),
                            ["droppedOff"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Integer | JsonSchemaType.Null,
                                Minimum = "0",
                                Description = "Of those, subjects that did not reach the next stage; null for the last stage.",
                            },
                            ["dropOffRate"] = Rate("droppedOff / reached (null for the last stage)."),
                        },
                        "stage",
                        "events",
                        "reached",
                        "droppedOff",
                        "dropOffRate"
                    ),
                    3,
                    3
                ),
            },
            "journey",
            "journeyVersion",
            "from",
            "to",
            "conversionWindow",
            "computedAt",
            "stages"
        );
}
