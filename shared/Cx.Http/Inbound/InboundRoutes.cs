using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Core.Inbound;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Inbound;

/// <summary>What a delivery did: <c>applied</c> or <c>duplicate</c>, with the ticket and interaction it wrote.</summary>
public sealed record InboundReceiptView(string Status, string Source, string DeliveryId, string? TicketId, string? InteractionId);

/// <summary>The serializer contracts of the inbound endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InboundReceiptView))]
public sealed partial class InboundJsonContext : JsonSerializerContext
{
    public static InboundJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

public static class InboundRoutes
{
    /// <summary><c>POST</c>: a vendor's delivery (<c>inbound/zendesk</c>, <c>inbound/intercom</c>, or a mapped source).</summary>
    public const string Receive = "v1/inbound/{source}";

    public const string Sources = "v1/inbound-sources";

    public const string SourceByKey = "v1/inbound-sources/{sourceKey}";

    public const string KeyPattern = "^[a-z][a-z0-9-]{0,31}$";

    public static string Location(string key) => ApiRoutes.Path("v1/inbound-sources/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(InboundSchemas.SourceDocument);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(InboundSchemas.SourceInput);

    private static ApiParameter KeyParameter(string name, string description) =>
        new(
            name,
            ApiParameterLocation.Path,
            description,
            ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = KeyPattern })
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
                OperationId = "ReceiveInboundWebhook",
                Method = "POST",
                Route = Receive,
                Tag = ApiTags.Customers,
                Summary = "Receive a support tool's webhook delivery (Zendesk, Intercom, or a mapped source)",
                Description =
                    "No bearer token: the delivery's signature is checked with the source's secret (setting Cx:Inbound:Secrets:{name}); "
                    + "a signature that does not verify, or a signed time more than the replay window (five minutes) from now, is 401 and "
                    + "nothing is written. The same delivery (vendor delivery id, else the body's SHA-256) is applied once: a resend answers "
                    + "200 with status duplicate. The payload becomes the customer's ticket (one per vendor id) and an interaction.",
                Anonymous = true,
                Parameters = [KeyParameter("source", "The inbound source's key (zendesk, intercom, ...).")],
                RequestBody = new(
                    ApiSchemaRef.Inline(() =>
                        new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The vendor's payload, as sent." }
                    ),
                    [RequestBody.Json],
                    "The vendor's payload."
                ),
                Responses =
                [
                    new(200, "Applied, or a duplicate of a delivery applied before.")
                    {
                        Schema = ApiSchemaRef.FromJson(InboundJsonContext.Default.InboundReceiptView),
                    },
                ],
                Problems = [400, 401, 404, 413, 415],
            },
            RestOperations.List(
                "ListInboundSources",
                Sources,
                ApiTags.Administration,
                "List inbound webhook sources",
                Document,
                filter: null
            ) with
            {
                Permission = Permissions.WebhooksManage,
            },
            RestOperations
                .Create(
                    "CreateInboundSource",
                    Sources,
                    ApiTags.Administration,
                    "Add an inbound source by a mapping document",
                    Input,
                    Document
                )
                .WithDescription(
                    "A new vendor without code: its signature scheme, the name of its secret (never the secret) and JSON Pointer mappings into "
                        + "the ticket and interaction. Every problem is a 400 with its JSON Pointer and nothing is written."
                ) with
            {
                Permission = Permissions.WebhooksManage,
            },
            RestOperations.Get(
                "GetInboundSource",
                SourceByKey,
                ApiTags.Administration,
                "Read an inbound source",
                Document,
                fields: false
            ) with
            {
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter("sourceKey", "The source's key."), ApiParameters.IfNoneMatch],
            },
            RestOperations.Replace(
                "ReplaceInboundSource",
                SourceByKey,
                ApiTags.Administration,
                "Change an inbound source",
                Input,
                Document
            ) with
            {
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter("sourceKey", "The source's key."), ApiParameters.IfMatch],
            },
            RestOperations.Delete("DeleteInboundSource", SourceByKey, ApiTags.Administration, "Delete an inbound source") with
            {
                Permission = Permissions.WebhooksManage,
                Parameters = [KeyParameter("sourceKey", "The source's key."), ApiParameters.IfMatch],
            },
        ];
}
