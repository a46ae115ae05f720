using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Core.Notifications;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Notifications;

/// <summary>
/// What a direct send did: the delivery's id and status (delivered, failed, suppressed, or queued when
/// quiet hours hold it until heldUntil), why, and whether it was sent before.
/// </summary>
public sealed record NotificationSendView(
    string DeliveryId,
    string Status,
    string? Reason,
    bool Duplicate,
    DateTimeOffset? HeldUntil = null
);

/// <summary>A one-click unsubscribe's result: the topic opted out of.</summary>
public sealed record UnsubscribeView(string Topic, bool Unsubscribed);

/// <summary>A trigger rendered for one customer: per channel what would be sent and whether (and why not).</summary>
public sealed record NotificationPreviewView(IReadOnlyList<NotificationPreviewItemView> Items);

public sealed record NotificationPreviewItemView(
    string Channel,
    string? Language,
    string? Subject,
    string? Body,
    string? To,
    bool WouldSend,
    string? Reason
);

/// <summary>The notification work items the queue gave up on.</summary>
public sealed record NotificationDeadLettersView(IReadOnlyList<NotificationDeadLetterView> Items);

public sealed record NotificationDeadLetterView(
    string MessageId,
    string CustomerId,
    string Trigger,
    string CauseId,
    int Attempts,
    string Reason
);

/// <summary>A dry run over a customer's history: each past cause, newest first, with what each channel would send.</summary>
public sealed record NotificationDryRunView(IReadOnlyList<NotificationDryRunCauseView> Causes);

public sealed record NotificationDryRunCauseView(
    string CauseId,
    string Kind,
    DateTimeOffset? At,
    IReadOnlyList<NotificationDryRunChannelView> Channels,
    string? NotFired = null
);

public sealed record NotificationDryRunChannelView(
    string Channel,
    string DeliveryId,
    string? Language,
    string? Subject,
    string? Body,
    string? To,
    bool WouldSend,
    string? Reason,
    string? Logged
);

/// <summary>A replay's new work item id.</summary>
public sealed record NotificationReplayView(string MessageId);

/// <summary>The serializer contracts of the notification endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NotificationSendView))]
[JsonSerializable(typeof(UnsubscribeView))]
[JsonSerializable(typeof(NotificationPreviewView))]
[JsonSerializable(typeof(NotificationDeadLettersView))]
[JsonSerializable(typeof(NotificationReplayView))]
[JsonSerializable(typeof(NotificationDryRunView))]
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

    /// <summary><c>POST</c> <c>{customerId, documentId?}</c>: render a trigger for a real customer (nothing is sent).</summary>
    public const string Preview = "v1/notification-triggers/{triggerKey}/preview";

    /// <summary><c>POST</c> <c>{customerId, limit?}</c>: replay a customer's recent causes through a trigger (nothing is sent).</summary>
    public const string DryRun = "v1/notification-triggers/{triggerKey}/dry-run";

    /// <summary><c>GET</c>, <c>PUT</c>: a customer's notification preferences and consent.</summary>
    public const string Preferences = "v1/customers/{customerId}/notification-preferences";

    /// <summary><c>POST</c>: the signed one-click unsubscribe link of e-mails (RFC 8058).</summary>
    public const string Unsubscribe = "v1/notifications/unsubscribe";

    /// <summary><c>GET</c>: the work items the queue gave up on.</summary>
    public const string DeadLetters = "v1/notifications/dead-letters";

    /// <summary><c>POST</c>: enqueue a dead-lettered work item again.</summary>
    public const string ReplayDeadLetter = "v1/notifications/dead-letters/{messageId}/replay";

    public const string WorkItemIdPattern = "^ntw_[0-9a-f]{32}(\\.r[0-9a-f]{1,16})?$";

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
        + "(queued, sent, delivered, failed, suppressed), reason (why it was suppressed, held or failed; for delivered what the provider "
        + "answered), heldUntil (a message held by quiet hours: when it is sent), history (each status with its instant), attempts, "
        + "createdAt, updatedAt, sentAt (handed to the transport), deliveredAt (accepted by the provider).";

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
            .. MoreOperations,
            .. DeadLetterOperations,
        ];

    private const string PreferencesDescription =
        "A customer's preferences: channels and topics (name: true opted in, false opted out; absent: allowed), quietHours "
        + "({start, end} HH:mm in the profile's preferences.timeZone) or null, maxPerDay (non-critical messages per 24 hours) or null, "
        + "consents (every opt-in or out: at, scope, optIn, source, evidence) and updatedAt.";

    private static IEnumerable<ApiOperation> MoreOperations =>
        [
            new()
            {
                OperationId = "PreviewNotificationTrigger",
                Method = "POST",
                Route = Preview,
                Tag = ApiTags.Administration,
                Summary = "Render a trigger for a real customer, sending nothing",
                Description =
                    "Per channel: the template chosen for the customer's language, the rendered subject and body, the address, and "
                    + "whether it would be sent now or why not (condition, missing address, preference, quiet hours, cap). With "
                    + "documentId a content trigger renders that entry; otherwise sample values fill document and event.",
                Permission = Permissions.NotificationsManage,
                Parameters = [KeyParameter],
                RequestBody = new(ApiSchemaRef.Inline(PreviewSchema), [RequestBody.Json], "The customer (and the entry)."),
                Responses =
                [
                    new(200, "The rendering.") { Schema = ApiSchemaRef.FromJson(NotificationJsonContext.Default.NotificationPreviewView) },
                ],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "DryRunNotificationTrigger",
                Method = "POST",
                Route = DryRun,
                Tag = ApiTags.Administration,
                Summary = "Replay a customer's recent causes through a trigger, sending nothing",
                Description =
                    "The customer's recent causes the trigger watches, newest first (timeline events of its type for event and segment "
                    + "triggers; for content triggers each past change of the customer's entries of its content type as the change feed "
                    + "delivered it, with notFired saying why a change did not fire, or the entries as they are now where the store keeps "
                    + "no change history), each with per channel the delivery id, "
                    + "the rendering, whether it would be sent now or why not (condition, missing address or template, preference, quiet "
                    + "hours, cap, already in the delivery log) and the status the delivery log holds for it. Nothing is sent, queued or logged.",
                Permission = Permissions.NotificationsManage,
                Parameters = [KeyParameter],
                RequestBody = new(
                    ApiSchemaRef.Inline(DryRunSchema),
                    [RequestBody.Json],
                    "The customer and how many causes (1-50, default 20)."
                ),
                Responses =
                [
                    new(200, "The replay.") { Schema = ApiSchemaRef.FromJson(NotificationJsonContext.Default.NotificationDryRunView) },
                ],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "GetNotificationPreferences",
                Method = "GET",
                Route = Preferences,
                Tag = ApiTags.Customers,
                Summary = "A customer's notification preferences and consent",
                Description = "Defaults (everything allowed, no quiet hours, no cap) until something is set. A customer reads their own.",
                Responses = [new(200, "The preferences.") { Schema = Stored(PreferencesDescription) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "UpdateNotificationPreferences",
                Method = "PUT",
                Route = Preferences,
                Tag = ApiTags.Customers,
                Summary = "Change a customer's notification preferences",
                Description =
                    "Changes what the body names. Each channel or topic opt-in/out is recorded in consents with source and evidence. "
                    + "An opt-out of a channel stops every message on it, critical ones included; critical messages pass topic "
                    + "opt-outs, quiet hours and the cap.",
                RequestBody = new(ApiSchemaRef.Inline(PreferencesSchema), [RequestBody.Json], "The change."),
                Responses = [new(200, "The preferences.") { Schema = Stored(PreferencesDescription) }],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "UnsubscribeNotifications",
                Method = "POST",
                Route = Unsubscribe,
                Tag = ApiTags.Customers,
                Summary = "One-click unsubscribe (RFC 8058)",
                Description =
                    "The URL of an e-mail's List-Unsubscribe header (with List-Unsubscribe-Post: List-Unsubscribe=One-Click). The "
                    + "HMAC signature is the authorization; the customer is opted out of the topic, recorded as a consent.",
                Anonymous = true,
                Parameters =
                [
                    new ApiParameter(
                        "customer",
                        ApiParameterLocation.Query,
                        "The customer.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String })
                    )
                    {
                        Required = true,
                    },
                    new ApiParameter(
                        "topic",
                        ApiParameterLocation.Query,
                        "The topic.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String })
                    )
                    {
                        Required = true,
                    },
                    new ApiParameter(
                        "signature",
                        ApiParameterLocation.Query,
                        "The link's signature.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String })
                    )
                    {
                        Required = true,
                    },
                ],
                Responses = [new(200, "Unsubscribed.") { Schema = ApiSchemaRef.FromJson(NotificationJsonContext.Default.UnsubscribeView) }],
                Problems = [400, 404],
            },
        ];

    private static IEnumerable<ApiOperation> DeadLetterOperations =>
        [
            new()
            {
                OperationId = "ListNotificationDeadLetters",
                Method = "GET",
                Route = DeadLetters,
                Tag = ApiTags.Administration,
                Summary = "Notification work items the queue gave up on",
                Description = "Newest first: message id, customer, trigger, cause (change or event), attempts and the reason.",
                Permission = Permissions.NotificationsManage,
                Parameters =
                [
                    new ApiParameter(
                        "limit",
                        ApiParameterLocation.Query,
                        "How many (1-1000, default 50).",
                        ApiSchemaRef.Inline(() =>
                            new OpenApiSchema
                            {
                                Type = JsonSchemaType.Integer,
                                Minimum = "1",
                                Maximum = "1000",
                            }
                        )
                    ),
                ],
                Responses =
                [
                    new(200, "The dead letters.")
                    {
                        Schema = ApiSchemaRef.FromJson(NotificationJsonContext.Default.NotificationDeadLettersView),
                    },
                ],
                Problems = [400],
            },
            new()
            {
                OperationId = "ReplayNotificationDeadLetter",
                Method = "POST",
                Route = ReplayDeadLetter,
                Tag = ApiTags.Administration,
                Summary = "Run a dead-lettered notification work item again",
                Description = "Enqueued under a new id; channels the delivery log shows as sent or suppressed are not sent again.",
                Permission = Permissions.NotificationsManage,
                Parameters =
                [
                    new ApiParameter(
                        "messageId",
                        ApiParameterLocation.Path,
                        "The work item's id.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = WorkItemIdPattern })
                    )
                    {
                        Required = true,
                    },
                ],
                Responses =
                [
                    new(202, "Queued.") { Schema = ApiSchemaRef.FromJson(NotificationJsonContext.Default.NotificationReplayView) },
                ],
                Problems = [400, 404],
            },
        ];

    private static OpenApiSchema PreviewSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            AdditionalPropertiesAllowed = false,
            Required = new SortedSet<string>(["customerId"], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["customerId"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128 },
                ["documentId"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128 },
            },
        };

    private static OpenApiSchema DryRunSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            AdditionalPropertiesAllowed = false,
            Required = new SortedSet<string>(["customerId"], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["customerId"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128 },
                ["limit"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Minimum = "1",
                    Maximum = "50",
                },
            },
        };

    private static OpenApiSchema PreferencesSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            AdditionalPropertiesAllowed = false,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["channels"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Boolean },
                },
                ["topics"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Boolean },
                },
                ["quietHours"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object | JsonSchemaType.Null,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["start"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-2][0-9]:[0-5][0-9]$" },
                        ["end"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-2][0-9]:[0-5][0-9]$" },
                    },
                    Required = new SortedSet<string>(["start", "end"], StringComparer.Ordinal),
                    AdditionalPropertiesAllowed = false,
                },
                ["maxPerDay"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer | JsonSchemaType.Null,
                    Minimum = "1",
                    Maximum = "1000",
                },
                ["source"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64 },
                ["evidence"] = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 2000 },
            },
        };

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
