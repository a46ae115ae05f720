using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Core.Notifications;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Notifications;

/// <summary>What a direct send did: the delivery's id and status (sent, failed, suppressed), why, and whether it was sent before.</summary>
public sealed record NotificationSendView(string DeliveryId, string Status, string? Reason, bool Duplicate);

/// <summary>The serializer contracts of the notification endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NotificationSendView))]
public sealed partial class NotificationJsonContext : JsonSerializerContext
{
    public static NotificationJsonContext Relaxed { get; } =
        new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

public static class NotificationRoutes
{
    public const string Triggers = "v1/notification-triggers";

    public const string TriggerByKey = "v1/notification-triggers/{triggerKey}";

    /// <summary><c>GET</c>: a customer's in-app inbox, newest first.</summary>
    public const string Inbox = "v1/customers/{customerId}/inbox";

    /// <summary><c>POST</c>: mark one inbox message read.</summary>
    public const string InboxRead = "v1/customers/{customerId}/inbox/{messageId}/read";

    /// <summary><c>GET</c>: the customer's delivery log; <c>POST</c>: send one message.</summary>
    public const string Deliveries = "v1/customers/{customerId}/notifications";

    public const string KeyPattern = "^[a-z][a-z0-9_-]{0,63}$";

    public const string MessageIdPattern = "^inb_[0-9a-f]{32}$";

    public static string TriggerLocation(string key) => ApiRoutes.Path("v1/notification-triggers/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(NotificationSchemas.TriggerDocument);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(NotificationSchemas.TriggerInput);

    private static readonly ApiParameter KeyParameter = new(
        "triggerKey",
        ApiParameterLocation.Path,
        "The trigger's key.",
        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = KeyPattern })
    )
    {
        Required = true,
    };

    private static readonly ApiParameter MessageParameter = new(
        "messageId",
        ApiParameterLocation.Path,
        "The inbox message's id.",
        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = MessageIdPattern })
    )
    {
        Required = true,
    };

    private static ApiSchemaRef Stored(string description) =>
        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Object, Description = description });

    private const string InboxDescription =
        "An inbox message: id, deliveryId, customer, topic, trigger, subject, body, read, readAt, createdAt.";

    private const string DeliveryDescription =
        "A delivery log entry: id, customer, channel, trigger, idempotencyKey, topic, critical, subject, to, status "
        + "(queued, sent, failed, suppressed), reason (why it was suppressed or failed), attempts, createdAt, updatedAt, sentAt.";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List(
                "ListNotificationTriggers",
                Triggers,
                ApiTags.Administration,
                "List notification triggers",
                Document,
                filter: null
            ) with
            {
                Permission = Permissions.NotificationsManage,
            },
            RestOperations
                .Create("CreateNotificationTrigger", Triggers, ApiTags.Administration, "Create a notification trigger", Input, Document)
                .WithDescription(
                    "On a content change, a behavioural event or a segment transition, for the customers the condition selects, after "
                        + "the delay, one message per channel from a Liquid template (per language, default as the fallback). Every "
                        + "problem is a 400 with its JSON Pointer (a template reading an unknown field names it) and nothing is written."
                ) with
            {
                Permission = Permissions.NotificationsManage,
            },
            RestOperations.Get(
                "GetNotificationTrigger",
                TriggerByKey,
                ApiTags.Administration,
                "Read a notification trigger",
                Document,
                fields: false
            ) with
            {
                Permission = Permissions.NotificationsManage,
                Parameters = [KeyParameter, ApiParameters.IfNoneMatch],
            },
            RestOperations.Replace(
                "ReplaceNotificationTrigger",
                TriggerByKey,
                ApiTags.Administration,
                "Change a notification trigger",
                Input,
                Document
            ) with
            {
                Permission = Permissions.NotificationsManage,
                Parameters = [KeyParameter, ApiParameters.IfMatch],
            },
            RestOperations.Delete("DeleteNotificationTrigger", TriggerByKey, ApiTags.Administration, "Delete a notification trigger") with
            {
                Permission = Permissions.NotificationsManage,
                Parameters = [KeyParameter, ApiParameters.IfMatch],
            },
            new()
            {
                OperationId = "ListCustomerInbox",
                Method = "GET",
                Route = Inbox,
                Tag = ApiTags.Customers,
                Summary = "A customer's in-app inbox",
                Description = "Newest first; unread=true lists only the unread messages. A customer reads only their own.",
                Parameters =
                [
                    new ApiParameter(
                        "unread",
                        ApiParameterLocation.Query,
                        "true: only unread messages.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Boolean })
                    ),
                    ApiParameters.Limit,
                    ApiParameters.Cursor,
                ],
                Responses =
                [
                    new(200, "A page of inbox messages (items, next).")
                    {
                        Schema = Stored("{items: [message], next: cursor or null}. " + InboxDescription),
                        Headers = [ApiHeaders.Link],
                    },
                ],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "MarkInboxMessageRead",
                Method = "POST",
                Route = InboxRead,
                Tag = ApiTags.Customers,
                Summary = "Mark an inbox message read",
                Description = "Marking a read message again changes nothing.",
                Parameters = [MessageParameter],
                Responses = [new(200, "The message.") { Schema = Stored(InboxDescription), Headers = [ApiHeaders.ETag] }],
                Problems = [400, 404, 412],
            },
            new()
            {
                OperationId = "ListCustomerNotifications",
                Method = "GET",
                Route = Deliveries,
                Tag = ApiTags.Customers,
                Summary = "A customer's notification delivery log",
                Description = "Newest first: every message queued, sent, failed or suppressed (with the reason) for the customer.",
                Permission = Permissions.NotificationsManage,
                Parameters = [ApiParameters.Limit, ApiParameters.Cursor],
                Responses =
                [
                    new(200, "A page of deliveries (items, next).")
                    {
                        Schema = Stored("{items: [delivery], next: cursor or null}. " + DeliveryDescription),
                        Headers = [ApiHeaders.Link],
                    },
                ],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "SendCustomerNotification",
                Method = "POST",
                Route = Deliveries,
                Tag = ApiTags.Customers,
                Summary = "Send one message to a customer on a channel",
                Description =
                    "The one send function: the channel (a name of Cx:Notifications:Channels) decides the transport; the customer's "
                    + "preferences apply; the idempotency key with the channel makes the delivery id, so sending the same key again "
                    + "sends nothing (duplicate: true).",
                Permission = Permissions.NotificationsManage,
                RequestBody = new(ApiSchemaRef.Inline(SendSchema), [RequestBody.Json], "The message."),
                Responses =
                [
                    new(200, "What became of it.") { Schema = ApiSchemaRef.FromJson(NotificationJsonContext.Default.NotificationSendView) },
                ],
                Problems = [400, 404, 413, 415],
            },
        ];

    private static OpenApiSchema SendSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            AdditionalPropertiesAllowed = false,
            Required = new SortedSet<string>(["channel", "body", "idempotencyKey"], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["channel"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64 },
                ["subject"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 998 },
                ["body"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 100_000 },
                ["topic"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = KeyPattern },
                ["critical"] = new OpenApiSchema { Type = JsonSchemaType.Boolean },
                ["idempotencyKey"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 },
            },
        };
}
