using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Events;

public static class EventRoutes
{
    /// <summary><c>POST</c>: one event or a batch of up to 500.</summary>
    public const string Collection = "v1/events";

    /// <summary><c>GET</c>: appended/processed positions and lag of the event stream.</summary>
    public const string Status = "v1/events/status";

    /// <summary><c>POST</c>: link an anonymous id to a customer.</summary>
    public const string Identify = "v1/identify";

    public const string Types = "v1/event-types";

    public const string TypeByKey = "v1/event-types/{eventType}";

    /// <summary><c>GET</c>/<c>PUT</c>: registry-wide settings (what happens to unknown event types).</summary>
    public const string TypeSettings = "v1/event-type-settings";

    public const string Timeline = "v1/customers/{customerId}/timeline";

    public const string Behavior = "v1/customers/{customerId}/behavior";

    public static string TypeLocation(string key) => ApiRoutes.Path("v1/event-types/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef TypeDocument = ApiSchemaRef.Named(EventTypeSchemas.EventTypeDocument);

    private static readonly ApiSchemaRef TypeInput = ApiSchemaRef.Named(EventTypeSchemas.EventTypeInput);

    private static readonly ApiParameter EventTypeKey = new(
        "eventType",
        ApiParameterLocation.Path,
        "The event type's key.",
        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = EventTypeSchemas.EventTypeKeyPattern })
    )
    {
        Required = true,
    };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "TrackEvents",
                Method = "POST",
                Route = Collection,
                Tag = ApiTags.Events,
                Summary = "Capture one event or a batch",
                Description =
                    "One event object, {\"events\": [...]} or an array of at most 500 events; 32 KB per event, 500 KB per body. "
                    + "Valid events are durable on the stream before the 202; invalid ones of a batch are reported by index. "
                    + "A batch with no valid event, or a single invalid event, is a 400. A customer token sends only its own events.",
                RequestBody = new(
                    ApiSchemaRef.Inline(EventSchemas.CaptureBody),
                    [RequestBody.Json],
                    "The event or batch. Event properties are checked against the event type's schema."
                ),
                Responses =
                [
                    new(202, "Accepted: the valid events are on the stream.") { Schema = ApiSchemaRef.Inline(EventSchemas.Accepted) },
                ],
                Problems = [400, 413, 415],
            },
            new()
            {
                OperationId = "Identify",
                Method = "POST",
                Route = Identify,
                Tag = ApiTags.Events,
                Summary = "Link an anonymous id to a customer",
                Description =
                    "Names the customer by exactly one of customerId, email or authId. Idempotent; the first link of an anonymous id wins "
                    + "(409 already-linked), a customer absorbs a bounded number of ids (409 alias-limit), junk ids are refused.",
                RequestBody = new(ApiSchemaRef.Inline(EventSchemas.IdentifyBody), [RequestBody.Json], "The link."),
                Responses = [new(200, "Linked, or already linked.") { Schema = ApiSchemaRef.Inline(EventSchemas.Identified) }],
                Problems = [400, 404, 409, 413, 415],
            },
            new()
            {
                OperationId = "GetEventStreamStatus",
                Method = "GET",
                Route = Status,
                Tag = ApiTags.Events,
                Summary = "Event stream positions and processing lag",
                Responses = [new(200, "The status.") { Schema = ApiSchemaRef.Inline(EventSchemas.StreamStatus) }],
                Problems = [400],
            },
            RestOperations.List("ListEventTypes", Types, ApiTags.Events, "List event types", TypeDocument, filter: null),
            RestOperations.Create("CreateEventType", Types, ApiTags.Events, "Create an event type", TypeInput, TypeDocument),
            RestOperations.Get("GetEventType", TypeByKey, ApiTags.Events, "Read an event type", TypeDocument, fields: false) with
            {
                Parameters = [EventTypeKey, ApiParameters.IfNoneMatch],
            },
            RestOperations
                .Replace("ReplaceEventType", TypeByKey, ApiTags.Events, "Change an event type", TypeInput, TypeDocument)
                .WithoutProblems(409) with
            {
                Parameters = [EventTypeKey, ApiParameters.IfMatch],
            },
            RestOperations
                .Delete("DeleteEventType", TypeByKey, ApiTags.Events, "Delete an event type")
                .WithProblems(409)
                .WithDescription("Built-in event types cannot be deleted.") with
            {
                Parameters = [EventTypeKey, ApiParameters.IfMatch],
            },
            new()
            {
                OperationId = "GetEventTypeSettings",
                Method = "GET",
                Route = TypeSettings,
                Tag = ApiTags.Events,
                Summary = "Read the event registry settings",
                Parameters = [ApiParameters.IfNoneMatch],
                Responses =
                [
                    new(200, "The settings (the configured defaults until a document is saved).")
                    {
                        Schema = ApiSchemaRef.Named(EventTypeSchemas.EventTypeSettingsDocument),
                    },
                    new(304, "Not modified.") { Headers = [ApiHeaders.ETag] },
                ],
                Problems = [400],
            },
            new()
            {
                OperationId = "ReplaceEventTypeSettings",
                Method = "PUT",
                Route = TypeSettings,
                Tag = ApiTags.Events,
                Summary = "Change the event registry settings",
                Parameters = [ApiParameters.IfMatch],
                RequestBody = new(ApiSchemaRef.Named(EventTypeSchemas.EventTypeSettingsInput), [RequestBody.Json], "The settings."),
                Responses =
                [
                    new(200, "Saved.")
                    {
                        Schema = ApiSchemaRef.Named(EventTypeSchemas.EventTypeSettingsDocument),
                        Headers = [ApiHeaders.ETag],
                    },
                ],
                Problems = [400, 412, 413, 415],
            },
            new()
            {
                OperationId = "GetCustomerTimeline",
                Method = "GET",
                Route = Timeline,
                Tag = ApiTags.Events,
                Summary = "A customer's events, newest first",
                Description = "Includes the events of every anonymous id linked to the customer. Follow nextCursor until it is null.",
                Parameters =
                [
                    new("type", ApiParameterLocation.Query, "Only events of this type.", ApiSchemaRef.Inline(() => SchemaBuilder.String())),
                    new(
                        "limit",
                        ApiParameterLocation.Query,
                        "Page size, 1-200 (default 50).",
                        ApiSchemaRef.Inline(() => SchemaBuilder.Integer(1, 200))
                    ),
                    ApiParameters.Cursor,
                ],
                Responses = [new(200, "A page of events.") { Schema = ApiSchemaRef.Inline(EventSchemas.TimelinePage) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "GetCustomerBehavior",
                Method = "GET",
                Route = Behavior,
                Tag = ApiTags.Events,
                Summary = "One behavioural aggregate of a customer",
                Description =
                    "Exact over (asOf - window, asOf]: count, sum, min, max, avg or distinct of a property, first or last seen. "
                    + "The inputs of segment rules.",
                Parameters =
                [
                    new(
                        "event",
                        ApiParameterLocation.Query,
                        "An event type, or * for any.",
                        ApiSchemaRef.Inline(() => SchemaBuilder.String())
                    )
                    {
                        Required = true,
                    },
                    new(
                        "aggregate",
                        ApiParameterLocation.Query,
                        "The aggregate (default count).",
                        ApiSchemaRef.Inline(() => SchemaBuilder.Enumeration(EventSchemas.Aggregates))
                    ),
                    new(
                        "property",
                        ApiParameterLocation.Query,
                        "A top-level event property (sum, min, max, avg, distinct).",
                        ApiSchemaRef.Inline(() => SchemaBuilder.String())
                    ),
                    new(
                        "window",
                        ApiParameterLocation.Query,
                        "An ISO 8601 duration such as P90D; all time when absent.",
                        ApiSchemaRef.Inline(() => SchemaBuilder.String())
                    ),
                    new(
                        "asOf",
                        ApiParameterLocation.Query,
                        "The end of the window (default now).",
                        ApiSchemaRef.Inline(() => SchemaBuilder.DateTime())
                    ),
                ],
                Responses = [new(200, "The aggregate.") { Schema = ApiSchemaRef.Inline(EventSchemas.Behavior) }],
                Problems = [400],
            },
        ];
}
