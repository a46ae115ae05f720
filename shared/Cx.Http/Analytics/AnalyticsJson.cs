using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cx.Http.Analytics;

/// <summary>One bucket of a roll-up series; <c>value</c> only in page and dimension breakdowns.</summary>
public sealed record RollupBucketView(string Start, string? Value, long Count, decimal Sum);

/// <summary>A roll-up time series of one event type over [from, to).</summary>
public sealed record RollupSeriesView(
    string Event,
    string Granularity,
    string Breakdown,
    string? Name,
    string From,
    string To,
    long Count,
    decimal Sum,
    IReadOnlyList<RollupBucketView> Buckets
);

/// <summary>One step of a funnel: how many subjects reached it, and the rates (null when there is nothing to divide by).</summary>
public sealed record FunnelStepView(
    string Event,
    long Count,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? ConversionFromFirst,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? ConversionFromPrevious,
    long DropOff,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? DropOffRate
);

/// <summary>A funnel over [from, to) with its conversion window.</summary>
public sealed record FunnelView(string From, string To, string Window, IReadOnlyList<FunnelStepView> Steps);

/// <summary>One stage of a journey report; <c>droppedOff</c> and <c>dropOffRate</c> are null for the last stage or an empty one.</summary>
public sealed record JourneyStageView(
    string Stage,
    IReadOnlyList<string> Events,
    long Reached,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? DroppedOff,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? DropOffRate
);

/// <summary>A journey's report over [from, to), computed at <c>computedAt</c>.</summary>
public sealed record JourneyReportView(
    string Journey,
    int JourneyVersion,
    string From,
    string To,
    string ConversionWindow,
    string ComputedAt,
    IReadOnlyList<JourneyStageView> Stages
);

/// <summary>The serializer contracts of the analytics responses.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RollupSeriesView))]
[JsonSerializable(typeof(FunnelView))]
[JsonSerializable(typeof(JourneyReportView))]
public sealed partial class AnalyticsJsonContext : JsonSerializerContext;
