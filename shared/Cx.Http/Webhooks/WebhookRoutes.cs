using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Webhooks;

/// <summary>What a replay enqueued: the new delivery's id, or how many deliveries.</summary>
public sealed record WebhookReplayView(string? DeliveryId = null, int? Replayed = null);

/// <summary>The serializer contracts of the webhook endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookReplayView))]
public sealed partial class WebhookJsonContext : JsonSerializerContext
{
    public static WebhookJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

public static class WebhookRoutes
{
    public const string Collection = "v1/webhooks";

    public const string ByKey = "v1/webhooks/{webhookKey}";

    /// <summary><c>GET</c>: the subscription's delivery log, newest first.</summary>
    public const string Deliveries = "v1/webhooks/{webhookKey}/deliveries";

    public const string Delivery = "v1/webhooks/{webhookKey}/deliveries/{deliveryId}";

    /// <summary><c>POST</c>: send one delivery again.</summary>
    public const string ReplayDelivery = "v1/webhooks/{webhookKey}/deliveries/{deliveryId}/replay";

    /// <summary><c>POST</c> <c>{"since"}</c>: send again every failed or skipped delivery since a date.</summary>
    public const string Replay = "v1/webhooks/{webhookKey}/replay";

    public const string KeyPattern = "^[a-z][a-z0-9_-]{0,63}$";

    public const string DeliveryIdPattern = "^msg_[0-9a-f]{32}(\\.r[0-9a-f]{1,40})?$";

    public static string Location(string key) => ApiRoutes.Path("v1/webhooks/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(WebhookSchemas.SubscriptionDocument);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(WebhookSchemas.SubscriptionInput);

    private static OpenApiSchema Pattern(string pattern) => new() { Type = JsonSchemaType.String, Pattern = pattern };

    private static readonly ApiParameter KeyParameter = new(
        "webhookKey",
        ApiParameterLocation.Path,
        "The subscription's key.",
        ApiSchemaRef.Inline(() => Pattern(KeyPattern))
    )
    {
        Required = true,
    };

    private static readonly ApiParameter DeliveryParameter = new(
        "deliveryId",
        ApiParameterLocation.Path,
        "The delivery's id.",
        ApiSchemaRef.Inline(() => Pattern(DeliveryIdPattern))
    )
    {
        Required = true,
    };

    private static ApiSchemaRef Stored(string description) =>
        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Object, Description = description });

    private const string DeliveryDescription =
        "A delivery log entry: id, subscription, webhookId, eventType, status (pending, succeeded, failed, skipped), attemptCount, "
        + "nextAttemptAt, createdAt, updatedAt, payload (the exact text sent) and attempts (the last 10: at, request with url and "
        + "headers, response with status, the start of the body and durationMs, or error).";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List(
                "ListWebhooks",
                Collection,
                ApiTags.Administration,
                "List webhook subscriptions",
                Document,
                filter: null
            ) with
            {
                Permission = Permissions.WebhooksManage,
            },
            RestOperations
                .Create("CreateWebhook", Collection, ApiTags.Administration, "Subscribe a receiver to changes", Input, Document)
                .WithDescription(
                    "The URL must be https and must not target localhost or a private, loopback, link-local or reserved address "
                        + "(unless Cx:Webhooks:AllowPrivateAddresses is set for local development); every problem is a 400 with its "
                        + "JSON Pointer and nothing is written."
                ) with
            {
                Permission = Permissions.WebhooksManage,
            },
            RestOperations.Get("GetWebhook", ByKey, ApiTags.Administration, "Read a webhook subscription", Document, fields: false) with
            {
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter, ApiParameters.IfNoneMatch],
            },
            RestOperations
                .Replace("ReplaceWebhook", ByKey, ApiTags.Administration, "Change a webhook subscription", Input, Document)
                .WithDescription(
                    "Rotate a secret by adding the new one and giving the old one an expiresAt: until then both sign every delivery. "
                        + "Setting enabled to true again clears an auto-disable notice."
                ) with
            {
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter, ApiParameters.IfMatch],
            },
            RestOperations.Delete("DeleteWebhook", ByKey, ApiTags.Administration, "Delete a webhook subscription") with
            {
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter, ApiParameters.IfMatch],
            },
            new()
            {
                OperationId = "ListWebhookDeliveries",
                Method = "GET",
                Route = Deliveries,
                Tag = ApiTags.Administration,
                Summary = "The delivery log of a subscription",
                Description = "Newest first. filter[createdAt][gte]=instant lists the deliveries created since then.",
                Permission = Permissions.WebhooksManage,
                Parameters =
                [
                    KeyParameter,
                    new ApiParameter(
                        "filter",
                        ApiParameterLocation.Query,
                        "createdAt with gte and an RFC 3339 instant.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Object })
                    )
                    {
                        DeepObject = true,
                    },
                    ApiParameters.Limit,
                    ApiParameters.Cursor,
                ],
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
                OperationId = "GetWebhookDelivery",
                Method = "GET",
                Route = Delivery,
                Tag = ApiTags.Administration,
                Summary = "One delivery with its attempts",
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter, DeliveryParameter],
                Responses = [new(200, "The delivery.") { Schema = Stored(DeliveryDescription) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "ReplayWebhookDelivery",
                Method = "POST",
                Route = ReplayDelivery,
                Tag = ApiTags.Administration,
                Summary = "Send one delivery again",
                Description = "A new delivery (new id and log entry) of the same message: same webhook-id and payload, signed afresh.",
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter, DeliveryParameter],
                Responses = [new(202, "Queued.") { Schema = ApiSchemaRef.FromJson(WebhookJsonContext.Default.WebhookReplayView) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "ReplayWebhookDeliveries",
                Method = "POST",
                Route = Replay,
                Tag = ApiTags.Administration,
                Summary = "Send again every failed or skipped delivery since a date",
                Description = "In their original order, at most 10000 per request.",
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter],
                RequestBody = new(
                    ApiSchemaRef.Inline(() =>
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["since"] = new OpenApiSchema
                                {
                                    Type = JsonSchemaType.String,
                                    Format = "date-time",
                                    Description = "RFC 3339 instant.",
                                },
                            },
                            Required = new SortedSet<string>(StringComparer.Ordinal) { "since" },
                            AdditionalPropertiesAllowed = false,
                        }
                    ),
                    [RequestBody.Json],
                    "Since when."
                ),
                Responses = [new(202, "Queued.") { Schema = ApiSchemaRef.FromJson(WebhookJsonContext.Default.WebhookReplayView) }],
                Problems = [400, 404, 413, 415],
            },
        ];
}
