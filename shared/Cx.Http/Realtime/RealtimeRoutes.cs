using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Cx.Http.Security;
using Microsoft.OpenApi;

namespace Cx.Http.Realtime;

/// <summary>The negotiate answer: SignalR's serverless contract.</summary>
public sealed record NegotiateView(string Url, string AccessToken);

/// <summary>A subscription: the channel's head, and the missed publications (recovered) or the current document (snapshot).</summary>
public sealed record SubscriptionView(
    string Channel,
    string Epoch,
    long Offset,
    bool Recovered,
    IReadOnlyList<RawJson> Publications,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] RawJson? Snapshot
);

/// <summary>One mutation's outcome: applied (with the entry's new ETag; null after a delete) or duplicate (applied by an earlier replay).</summary>
public sealed record MutationResultView(long Counter, string Status, string? ETag);

/// <summary>A replay's answer: the client's last applied counter (the acknowledgement) and each mutation's outcome.</summary>
public sealed record ReplayView(string ClientId, long LastApplied, IReadOnlyList<MutationResultView> Results);

/// <summary>A device session: its id (the hand-over token), state, version (also the ETag) and expiry.</summary>
public sealed record SessionView(string Id, RawJson State, long Version, string ExpiresAt);

/// <summary>The serializer contracts of the realtime endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NegotiateView))]
[JsonSerializable(typeof(SubscriptionView))]
[JsonSerializable(typeof(ReplayView))]
[JsonSerializable(typeof(SessionView))]
public sealed partial class RealtimeJsonContext : JsonSerializerContext
{
    public static RealtimeJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

public static class RealtimeRoutes
{
    /// <summary>The base URL a SignalR client is given (<c>/api/v1/realtime</c>); it calls <see cref="Negotiate"/> itself.</summary>
    public const string Base = "v1/realtime";

    /// <summary><c>POST</c>: where and with which token to open the realtime connection.</summary>
    public const string Negotiate = "v1/realtime/negotiate";

    /// <summary><c>POST</c> <c>{channel, connectionId, since?}</c>: add a connection to a channel, resuming from a position.</summary>
    public const string Subscriptions = "v1/realtime/subscriptions";

    /// <summary><c>POST</c> <c>{clientId, mutations}</c>: replay a client's offline mutations, each applied exactly once.</summary>
    public const string Mutations = "v1/realtime/mutations";

    /// <summary><c>POST</c> <c>{state, ttlSeconds?}</c>: start a device session.</summary>
    public const string Sessions = "v1/realtime/sessions";

    /// <summary><c>GET</c>, <c>PUT</c> <c>{state}</c> (If-Match), <c>DELETE</c> (revoke): one device session.</summary>
    public const string Session = "v1/realtime/sessions/{sessionId}";

    private static readonly ApiParameter SessionParameter = new(
        "sessionId",
        ApiParameterLocation.Path,
        "The session's id: the hand-over token.",
        ApiSchemaRef.Inline(() => Text("The session's id.", "^[A-Za-z0-9_-]{1,128}$"))
    )
    {
        Required = true,
    };

    private static ApiSchemaRef SessionSchema =>
        ApiSchemaRef.Inline(() =>
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["id"] = Text("The session's id, also the hand-over token."),
                    ["state"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The shared state." },
                    ["version"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int64",
                        Description = "Grows with every change; the ETag.",
                    },
                    ["expiresAt"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                },
                Required = new SortedSet<string>(StringComparer.Ordinal) { "id", "state", "version", "expiresAt" },
            }
        );

    private static ApiSchemaRef StateBody(bool create) =>
        ApiSchemaRef.Inline(() =>
        {
            var schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["state"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Description = "The state: a cart, the current step, a draft form.",
                    },
                },
                Required = new SortedSet<string>(StringComparer.Ordinal) { "state" },
                AdditionalPropertiesAllowed = false,
            };
            if (create)
            {
                schema.Properties["ttlSeconds"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Minimum = "10",
                    Maximum = "86400",
                    Description = "Lifetime in seconds (Cx:Realtime:SessionSeconds by default).",
                };
            }
            return schema;
        });

    private static OpenApiSchema Text(string description, string? pattern = null) =>
        new()
        {
            Type = JsonSchemaType.String,
            Description = description,
            Pattern = pattern,
        };

    private static OpenApiSchema Position(string description) =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description = description,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["epoch"] = Text("The channel's epoch.", "^[A-Za-z0-9_-]{1,64}$"),
                ["offset"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Format = "int64",
                    Minimum = "0",
                },
            },
            Required = new SortedSet<string>(StringComparer.Ordinal) { "epoch", "offset" },
            AdditionalPropertiesAllowed = false,
        };

    private const string ChannelDescription =
        "entry:{typeKey}:{entryId} (content:read and the type's read permission), customer:{customerId} (customers:read, or the "
        + "customer itself), segment:{segmentKey} (segments:read), ticket:{ticketId} (tickets:read, or the ticket's customer), "
        + "session:{sessionId} (the session's own user).";

    private const string PublicationDescription =
        "A publication, as the connection receives it (target 'publication'): channel, epoch, offset, kind (upsert or delete), "
        + "type, id, etag and data (the document after the change; null for a delete).";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "NegotiateRealtime",
                Method = "POST",
                Route = Negotiate,
                Tag = ApiTags.Realtime,
                Summary = "Where and with which token to open the realtime connection",
                Description =
                    "SignalR's negotiate contract for serverless hubs: give a SignalR client the base URL /api/v1/realtime and "
                    + "the Cx token as its access token; it calls this itself and follows the answer to SignalR Service (Azure) or "
                    + "the DevHost's hub. Any body is ignored.",
                Permission = AccessAttribute.Authenticated,
                Parameters =
                [
                    new ApiParameter(
                        RealtimeEndpoints.NegotiateVersion,
                        ApiParameterLocation.Query,
                        "Added by the SignalR client.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Enum = ["0", "1"] })
                    ),
                ],
                Responses =
                [
                    new(200, "The URL and access token.") { Schema = ApiSchemaRef.FromJson(RealtimeJsonContext.Default.NegotiateView) },
                ],
                Problems = [400],
            },
            new()
            {
                OperationId = "SubscribeRealtime",
                Method = "POST",
                Route = Subscriptions,
                Tag = ApiTags.Realtime,
                Summary = "Subscribe a realtime connection to a channel",
                Description =
                    "Authorised per channel. With since (the last position the client has), the answer holds every publication "
                    + "after it in order with recovered: true, or recovered: false and a fresh snapshot when the position is from "
                    + "another epoch or older than the retention window: never a partial gap. Publications made while subscribing "
                    + "can arrive both live and here: drop offsets already seen.",
                Permission = AccessAttribute.Authenticated,
                RequestBody = new(
                    ApiSchemaRef.Inline(() =>
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["channel"] = Text(ChannelDescription),
                                ["connectionId"] = Text(
                                    "The SignalR connection's id (connection.connectionId).",
                                    "^[A-Za-z0-9_=.-]{1,256}$"
                                ),
                                ["since"] = Position("The last position the client has, to resume from."),
                            },
                            Required = new SortedSet<string>(StringComparer.Ordinal) { "channel", "connectionId" },
                            AdditionalPropertiesAllowed = false,
                        }
                    ),
                    [RequestBody.Json],
                    "The channel and the connection."
                ),
                Responses =
                [
                    new(200, "Subscribed.")
                    {
                        Schema = ApiSchemaRef.Inline(() =>
                            new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["channel"] = Text("The channel."),
                                    ["epoch"] = Text("The channel's epoch."),
                                    ["offset"] = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.Integer,
                                        Format = "int64",
                                        Description = "The channel's last offset.",
                                    },
                                    ["recovered"] = new OpenApiSchema { Type = JsonSchemaType.Boolean },
                                    ["publications"] = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.Array,
                                        Items = new OpenApiSchema { Type = JsonSchemaType.Object, Description = PublicationDescription },
                                    },
                                    ["snapshot"] = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.Object | JsonSchemaType.Null,
                                        Description = "When not recovered: the channel's document now (null if none, and for segments).",
                                    },
                                },
                                Required = new SortedSet<string>(StringComparer.Ordinal)
                                {
                                    "channel",
                                    "epoch",
                                    "offset",
                                    "recovered",
                                    "publications",
                                    "snapshot",
                                },
                            }
                        ),
                    },
                ],
                Problems = [400, 403, 404, 413, 415],
            },
            new()
            {
                OperationId = "ReplayMutations",
                Method = "POST",
                Route = Mutations,
                Tag = ApiTags.Realtime,
                Summary = "Replay a client's offline mutations, each applied exactly once",
                Description =
                    "Mutations are JSON merge patches of entries (type customer: a customer profile), creates with a "
                    + "client-chosen id (op create, data) or deletes (op delete), numbered by a counter that "
                    + "grows with every mutation of the client. Those at or below the client's last applied counter are "
                    + "acknowledged as duplicates and not applied again; the others are applied in order. The answer's "
                    + "lastApplied is the acknowledgement. A mutation whose ifMatch is stale stops the replay with 409 "
                    + "(mutation-conflict): counter, lastApplied and current (the entry now), so the client can rebase. "
                    + "A create whose id is taken by an entry without its fields is the same 409; a delete of an entry "
                    + "already gone counts as applied. "
                    + "Authorised like the REST writes of the same entries.",
                Permission = AccessAttribute.Authenticated,
                RequestBody = new(
                    ApiSchemaRef.Inline(() =>
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["clientId"] = Text("The client's id, kept across restarts.", "^[A-Za-z0-9_-]{1,64}$"),
                                ["mutations"] = new OpenApiSchema
                                {
                                    Type = JsonSchemaType.Array,
                                    MaxItems = MutationEndpoints.MaxMutations,
                                    Items = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.Object,
                                        Properties = new Dictionary<string, IOpenApiSchema>
                                        {
                                            ["counter"] = new OpenApiSchema
                                            {
                                                Type = JsonSchemaType.Integer,
                                                Format = "int64",
                                                Minimum = "1",
                                            },
                                            ["op"] = new OpenApiSchema
                                            {
                                                Type = JsonSchemaType.String,
                                                Enum = [JsonValue.Create("patch"), JsonValue.Create("create"), JsonValue.Create("delete")],
                                                Description = "patch (the default), create or delete.",
                                            },
                                            ["type"] = Text("A content type key, or customer.", "^[a-z][a-z0-9_-]{0,63}$"),
                                            ["id"] = Text("The entry's id.", "^[A-Za-z0-9_.-]{1,128}$"),
                                            ["patch"] = new OpenApiSchema
                                            {
                                                Type = JsonSchemaType.Object,
                                                Description = "A JSON merge patch (RFC 7396) of the entry (op patch only).",
                                            },
                                            ["data"] = new OpenApiSchema
                                            {
                                                Type = JsonSchemaType.Object,
                                                Description = "The new entry (op create only); its id, if given, equals id.",
                                            },
                                            ["ifMatch"] = Text("The ETag the change was based on (optional)."),
                                        },
                                        Required = new SortedSet<string>(StringComparer.Ordinal) { "counter", "type", "id" },
                                        AdditionalPropertiesAllowed = false,
                                    },
                                },
                            },
                            Required = new SortedSet<string>(StringComparer.Ordinal) { "clientId", "mutations" },
                            AdditionalPropertiesAllowed = false,
                        }
                    ),
                    [RequestBody.Json],
                    "The client and its mutations in counter order."
                ),
                Responses =
                [
                    new(200, "Applied or acknowledged as duplicates.")
                    {
                        Schema = ApiSchemaRef.FromJson(RealtimeJsonContext.Default.ReplayView),
                    },
                ],
                Problems = [400, 403, 404, 409, 413, 415],
            },
            new()
            {
                OperationId = "CreateDeviceSession",
                Method = "POST",
                Route = Sessions,
                Tag = ApiTags.Realtime,
                Summary = "Start a device session to hand to another device",
                Description =
                    "Short-lived state of the signed-in user. Its id is the hand-over token: show it on this device (QR code, a "
                    + "code), and another device of the same user opens the session with it and subscribes to session:{id}.",
                Permission = AccessAttribute.Authenticated,
                RequestBody = new(StateBody(create: true), [RequestBody.Json], "The initial state."),
                Responses = [new(201, "Started.") { Schema = SessionSchema, Headers = [ApiHeaders.Location, ApiHeaders.ETag] }],
                Problems = [400, 413, 415],
            },
            new()
            {
                OperationId = "GetDeviceSession",
                Method = "GET",
                Route = Session,
                Tag = ApiTags.Realtime,
                Summary = "Open a device session with its hand-over token",
                Description = "Only the user who started it; anyone else, an expired or a revoked session: 404.",
                Permission = AccessAttribute.Authenticated,
                Parameters = [SessionParameter],
                Responses = [new(200, "The session.") { Schema = SessionSchema, Headers = [ApiHeaders.ETag] }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "ReplaceDeviceSession",
                Method = "PUT",
                Route = Session,
                Tag = ApiTags.Realtime,
                Summary = "Change a device session's state",
                Description =
                    "Published at once on session:{id} to the user's other connected devices. If-Match: the version it was based on.",
                Permission = AccessAttribute.Authenticated,
                Parameters = [SessionParameter, ApiParameters.IfMatch],
                RequestBody = new(StateBody(create: false), [RequestBody.Json], "The new state."),
                Responses = [new(200, "Changed.") { Schema = SessionSchema, Headers = [ApiHeaders.ETag] }],
                Problems = [400, 404, 412, 413, 415],
            },
            new()
            {
                OperationId = "RevokeDeviceSession",
                Method = "DELETE",
                Route = Session,
                Tag = ApiTags.Realtime,
                Summary = "Revoke a device session",
                Description = "The token stops working on every device; subscribers of session:{id} get a delete.",
                Permission = AccessAttribute.Authenticated,
                Parameters = [SessionParameter],
                Responses = [new(204, "Revoked.")],
                Problems = [400, 404],
            },
        ];
}
