using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cx.Http.Responses;

namespace Cx.Http.Events;

/// <summary>The answer of identify: the anonymous id, the customer it belongs to, and whether this call linked them.</summary>
public sealed record IdentifiedView(string AnonymousId, string CustomerId, bool Linked);

/// <summary>Positions of the event stream: events appended, events processed, and the difference.</summary>
public sealed record StreamStatusView(string Provider, long Appended, long Processed, long Lag);

/// <summary>The registry-wide settings from configuration, shown while no settings document was saved.</summary>
public sealed record DefaultEventTypeSettingsView(string Id, string Type, int SchemaVersion, string UnknownTypes);

/// <summary>One event of a customer's timeline; absent fields are left out, <c>custom</c> appears only when true.</summary>
public sealed record TimelineEventView(
    string EventId,
    string Type,
    string? CustomerId,
    string? AnonymousId,
    string Timestamp,
    string ReceivedAt,
    string? Page,
    bool? Custom,
    RawJson Properties
);

/// <summary>A page of a customer's timeline, newest first.</summary>
public sealed record TimelinePageView(
    IReadOnlyList<TimelineEventView> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor
);

/// <summary>
/// One behavioural aggregate of a customer: <c>value</c> is a number, an instant (first, last) or
/// null; <c>values</c> the distinct values, or the property of the first or last event.
/// </summary>
public sealed record BehaviorView(
    string CustomerId,
    string Event,
    string Aggregate,
    string? Property,
    string? Window,
    string AsOf,
    long Count,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonNode? Value,
    IReadOnlyList<string>? Values
);

/// <summary>The serializer contracts of the event responses (the capture answer excepted: see <see cref="EventEndpoints"/>).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IdentifiedView))]
[JsonSerializable(typeof(StreamStatusView))]
[JsonSerializable(typeof(DefaultEventTypeSettingsView))]
[JsonSerializable(typeof(TimelinePageView))]
[JsonSerializable(typeof(BehaviorView))]
public sealed partial class EventJsonContext : JsonSerializerContext;
