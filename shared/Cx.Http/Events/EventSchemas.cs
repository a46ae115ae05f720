using Cx.Core.Analytics;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Events;

/// <summary>
/// The wire shapes of the event responses (the capture answer and the contracts of
/// <see cref="EventJsonContext"/>), described by hand for the patterns, formats and descriptions
/// the records do not carry; the integration tests validate every response against them.
/// </summary>
internal static class EventSchemas
{
    public static IReadOnlyList<string> Aggregates { get; } = [.. Enum.GetNames<BehaviorAggregate>().Select(n => n.ToLowerInvariant())];

    private static OpenApiSchema Object(string? description, Dictionary<string, IOpenApiSchema> properties, params string[] required) =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = description,
            Properties = properties,
            Required = new SortedSet<string>(required, StringComparer.Ordinal),
            AdditionalPropertiesAllowed = false,
        };

    private static OpenApiSchema Array(IOpenApiSchema items, int? maxItems = null) =>
        new()
        {
            Type = JsonSchemaType.Array,
            Items = items,
            MaxItems = maxItems,
        };

    private static OpenApiSchema AnyObject(string description) => new() { Type = JsonSchemaType.Object, Description = description };

    private static OpenApiSchema Boolean(string description) => new() { Type = JsonSchemaType.Boolean, Description = description };

    /// <summary>One event as clients send it.</summary>
    public static OpenApiSchema Event() =>
        Object(
            "One behavioural event. It needs a customerId or an anonymousId.",
            new()
            {
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = EventTypeSchemas.EventTypeKeyPattern,
                    Description = "The event type (page_view, purchase, ... or a custom one when the registry allows it).",
                },
                ["customerId"] = SchemaBuilder.String("The customer, when known."),
                ["anonymousId"] = SchemaBuilder.String("The visitor's anonymous id (device or cookie)."),
                ["timestamp"] = SchemaBuilder.DateTime("When it happened (client time); server time when absent."),
                ["eventId"] = SchemaBuilder.String("A client id for idempotency: a repeat of (subject, eventId) is ignored."),
                ["page"] = SchemaBuilder.String("The page or screen (at most 2048 characters)."),
                ["properties"] = AnyObject("Event data, checked against the event type's property schema."),
            },
            "type"
        );

    public static OpenApiSchema CaptureBody() =>
        new() { OneOf = [Event(), Object("A batch.", new() { ["events"] = Array(Event(), 500) }, "events"), Array(Event(), 500)] };

    public static OpenApiSchema Accepted() =>
        Object(
            "What was accepted and what was rejected, by index in the batch.",
            new()
            {
                ["accepted"] = SchemaBuilder.Integer(0, null, "How many events are durable on the stream."),
                ["rejected"] = Array(
                    Object(
                        null,
                        new()
                        {
                            ["index"] = SchemaBuilder.Integer(0, null, "The position of the event in the batch."),
                            ["errors"] = Array(
                                Object(
                                    null,
                                    new()
                                    {
                                        ["pointer"] = SchemaBuilder.String("JSON Pointer of the bad value in the body."),
                                        ["code"] = SchemaBuilder.String("A stable error code."),
                                        ["detail"] = SchemaBuilder.String(),
                                    },
                                    "pointer",
                                    "code",
                                    "detail"
                                )
                            ),
                        },
                        "index",
                        "errors"
                    )
                ),
                ["receivedAt"] = SchemaBuilder.DateTime("Server time of receipt."),
            },
            "accepted",
            "rejected",
            "receivedAt"
        );

    public static OpenApiSchema IdentifyBody() =>
        Object(
            "The anonymous id and exactly one way to name the customer.",
            new()
            {
                ["anonymousId"] = SchemaBuilder.String(),
                ["customerId"] = SchemaBuilder.String(),
                ["email"] = SchemaBuilder.String("The e-mail of a customer profile."),
                ["authId"] = SchemaBuilder.String("The auth subject of a customer profile."),
            },
            "anonymousId"
        );

    public static OpenApiSchema Identified() =>
        Object(
            null,
            new()
            {
                ["anonymousId"] = SchemaBuilder.String(),
                ["customerId"] = SchemaBuilder.String(),
                ["linked"] = Boolean("True when this call made the link; false when it already existed."),
            },
            "anonymousId",
            "customerId",
            "linked"
        );

    public static OpenApiSchema StreamStatus() =>
        Object(
            null,
            new()
            {
                ["provider"] = SchemaBuilder.String("The stream adapter."),
                ["appended"] = SchemaBuilder.Integer(0, null, "Events appended."),
                ["processed"] = SchemaBuilder.Integer(0, null, "Events the batch processor has checkpointed."),
                ["lag"] = SchemaBuilder.Integer(0, null, "Events waiting for the batch processor."),
            },
            "provider",
            "appended",
            "processed",
            "lag"
        );

    public static OpenApiSchema TimelinePage() =>
        CommonSchemas.Page(
            Object(
                "A stored event.",
                new()
                {
                    ["eventId"] = SchemaBuilder.String(),
                    ["type"] = SchemaBuilder.String(),
                    ["customerId"] = SchemaBuilder.String(),
                    ["anonymousId"] = SchemaBuilder.String(),
                    ["timestamp"] = SchemaBuilder.DateTime(),
                    ["receivedAt"] = SchemaBuilder.DateTime(),
                    ["page"] = SchemaBuilder.String(),
                    ["custom"] = Boolean("A type the registry does not know."),
                    ["properties"] = AnyObject("The event's properties."),
                },
                "eventId",
                "type",
                "timestamp",
                "receivedAt",
                "properties"
            ),
            "A page of events, newest first."
        );

    public static OpenApiSchema Behavior() =>
        Object(
            null,
            new()
            {
                ["customerId"] = SchemaBuilder.String(),
                ["event"] = SchemaBuilder.String(),
                ["aggregate"] = SchemaBuilder.Enumeration(Aggregates),
                ["property"] = SchemaBuilder.String(),
                ["window"] = SchemaBuilder.String("ISO 8601 duration."),
                ["asOf"] = SchemaBuilder.DateTime(),
                ["count"] = SchemaBuilder.Integer(0, null, "Events in the window."),
                ["value"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Number | JsonSchemaType.String | JsonSchemaType.Null,
                    Description = "The aggregate: a number, an instant for first/last, null when there is nothing to aggregate.",
                },
                ["values"] = Array(SchemaBuilder.String(), null),
            },
            "customerId",
            "event",
            "aggregate",
            "asOf",
            "count",
            "value"
        );
}
