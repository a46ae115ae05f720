using Cx.Core.Personalization;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Personalization;

/// <summary>Placements (definition documents) and the decision endpoint.</summary>
public static class PersonalizationRoutes
{
    public const string Placements = "v1/placements";

    public const string PlacementByKey = "v1/placements/{placementKey}";

    /// <summary><c>GET</c>: the variant and entry of each named placement for the caller.</summary>
    public const string Personalize = "v1/personalize";

    /// <summary><c>POST</c>: what a stored or hypothetical customer would see (nothing recorded).</summary>
    public const string Preview = "v1/personalize/preview";

    /// <summary><c>GET</c>: a short-lived signed edge token (segment set, holdout bucket and assignments).</summary>
    public const string EdgeToken = "v1/personalize/token";

    /// <summary><c>GET</c>: the sampled decision log, newest first.</summary>
    public const string Decisions = "v1/personalize/decisions";

    public static string PlacementLocation(string key) => ApiRoutes.Path("v1/placements/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef PlacementDocument = ApiSchemaRef.Named(PlacementSchemas.PlacementDocument);

    private static readonly ApiSchemaRef PlacementInput = ApiSchemaRef.Named(PlacementSchemas.PlacementInput);

    private static readonly ApiParameter PlacementKey = new(
        "placementKey",
        ApiParameterLocation.Path,
        "The placement's key, such as homepage.hero.",
        ApiSchemaRef.Inline(PlacementSchemas.KeySchema)
    )
    {
        Required = true,
    };

    private const string ValidationDescription =
        "Checked at save: the content type exists and is servable, variant keys are unique, weights and priorities are in range, "
        + "targeting values are well-formed and every rule parses against the customer schema plus request.*; the fallback and "
        + "the control variant name variants. Every problem is a 400 with its JSON Pointer (a bad rule points into "
        + "/variants/{i}/targeting/rule) and nothing is written.";

    private static ApiParameter Query(string name, string description, Func<OpenApiSchema> schema) =>
        new(name, ApiParameterLocation.Query, description, ApiSchemaRef.Inline(schema));

    private static OpenApiSchema Text(string? pattern = null, int max = PersonalizeEndpoints.MaxTextLength) =>
        new()
        {
            Type = JsonSchemaType.String,
            MinLength = 1,
            MaxLength = max,
            Pattern = pattern,
        };

    private static IReadOnlyList<ApiParameter> DecideParameters =>
        [
            Query(
                "placements",
                "Comma-separated placement keys (homepage.hero,homepage.banner), answered in this order; an unknown key is a 400.",
                () => Text("^[a-z][a-z0-9.,-]*$", 2000)
            ) with
            {
                Required = true,
            },
            Query(
                "fields",
                "Sparse fieldset of every chosen entry (fields=title,image); each name must be a field of each placement's content type.",
                () => Text(max: 2000)
            ),
            Query(
                "customerId",
                "Server-to-server form: the customer to decide for (needs customers:read). A customer token always decides for itself.",
                () => Text(SchemaBuilder.IdPattern, 128)
            ),
            Query(
                "anonymousId",
                "An anonymous visitor: the default audience, stable variants per id. Not with customerId.",
                () => Text(max: 128)
            ),
            Query(
                "device",
                "mobile, tablet, desktop, kiosk or other; by default from the User-Agent.",
                () => SchemaBuilder.Enumeration(DecisionSchema.Devices)
            ),
            Query("language", "A language tag (pt-PT); by default the first of Accept-Language.", () => Text(max: 35)),
            Query(
                "country",
                "ISO 3166-1 alpha-2; by default the country header (Cx:Personalization:CountryHeader).",
                () => Text("^[A-Za-z]{2}$", 2)
            ),
            Query("timeZone", "The visitor's IANA time zone for request.localHour when the profile has none.", () => Text(max: 64)),
            Query("referrer", "The referrer's host; by default the Referer header's host.", () => Text()),
            Query("utm_source", "UTM source (request.utmSource).", () => Text()),
            Query("utm_medium", "UTM medium (request.utmMedium).", () => Text()),
            Query("utm_campaign", "UTM campaign (request.utmCampaign).", () => Text()),
            Query("utm_term", "UTM term (request.utmTerm).", () => Text()),
            Query("utm_content", "UTM content (request.utmContent).", () => Text()),
        ];

    private static readonly ApiSchemaRef DecisionAnswer = ApiSchemaRef.FromJson(PersonalizationJsonContext.Default.DecisionView);

    private static OpenApiSchema LoggedDecision() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description =
                "A sampled decision: id (the decision id), at, customerId or anonymousId, segments, and per placement its version, "
                + "strategy, reason, variant, entryId, matched criteria, score and holdout.",
            Required = new SortedSet<string>(StringComparer.Ordinal) { "id", "type", "at", "placements" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["id"] = SchemaBuilder.String("The decision id."),
                ["type"] = SchemaBuilder.String(),
                ["at"] = SchemaBuilder.DateTime(),
                ["customerId"] = SchemaBuilder.String(),
                ["anonymousId"] = SchemaBuilder.String(),
                ["segments"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = SchemaBuilder.String() },
                ["placements"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema { Type = JsonSchemaType.Object },
                },
            },
        };

    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListPlacements", Placements, ApiTags.Personalization, "List placements", PlacementDocument, filter: null),
            RestOperations
                .Create("CreatePlacement", Placements, ApiTags.Personalization, "Create a placement", PlacementInput, PlacementDocument)
                .WithDescription(ValidationDescription + " Audited as placement.saved."),
            RestOperations.Get(
                "GetPlacement",
                PlacementByKey,
                ApiTags.Personalization,
                "Read a placement",
                PlacementDocument,
                fields: false
            ) with
            {
                Parameters = [PlacementKey, ApiParameters.IfNoneMatch],
            },
            RestOperations
                .Replace(
                    "ReplacePlacement",
                    PlacementByKey,
                    ApiTags.Personalization,
                    "Change a placement",
                    PlacementInput,
                    PlacementDocument
                )
                .WithDescription(
                    ValidationDescription
                        + " A change moves version on and is served on the next decision; saving an unchanged placement writes nothing."
                ) with
            {
                Parameters = [PlacementKey, ApiParameters.IfMatch],
            },
            RestOperations.Delete("DeletePlacement", PlacementByKey, ApiTags.Personalization, "Delete a placement") with
            {
                Parameters = [PlacementKey, ApiParameters.IfMatch],
            },
            new()
            {
                OperationId = "Personalize",
                Method = "GET",
                Route = Personalize,
                Tag = ApiTags.Personalization,
                Summary = "Pick each placement's variant for the caller",
                Description =
                    "For a customer token: its profile and segments; with anonymousId: the default audience; a staff token or API key "
                    + "with customers:read may name customerId (server-to-server). Answers each placement's winning variant and entry, "
                    + "why (strategy, reason, matched criteria, score, holdout) and a decision id. A variant whose entry is missing or "
                    + "fails its type's validation is never served. Exposures go to the event stream as personalization.exposure, once "
                    + "per customer, placement, variant and day; a share of decisions is logged (GET .../decisions).",
                Parameters = [.. DecideParameters, ApiParameters.IfNoneMatch],
                Responses =
                [
                    new(
                        200,
                        "The decisions, with an ETag over what was chosen; Cache-Control public for an anonymous answer, private for a customer's; Surrogate-Key and Cache-Tag name the placements, entries and segments."
                    )
                    {
                        Schema = DecisionAnswer,
                        Headers = [ApiHeaders.ETag],
                    },
                    new(304, "Not modified: If-None-Match names what would be chosen now.") { Headers = [ApiHeaders.ETag] },
                ],
                Problems = [400, 403, 404],
            },
            new()
            {
                OperationId = "GetPersonalizationEdgeToken",
                Method = "GET",
                Route = EdgeToken,
                Tag = ApiTags.Personalization,
                Summary = "A signed edge token with the caller's segments and holdouts",
                Description =
                    "A short-lived ES256 JWT (Cx:Personalization:EdgeTokenSeconds) signed with the API's keys (verify with "
                    + "/api/v1/auth/jwks.json), issuer as the access tokens, audience cx-edge: sub (c:{customerId} or a:{anonymousId}), "
                    + "seg (segment keys), hb (holdout bucket 0-99) and ho (each placement with a control group: true when held out). "
                    + "An edge function verifies it and chooses among cached variants without calling the origin (docs/personalization.md). "
                    + "Who it is for follows GET /personalize: a customer token for itself, customerId with customers:read, or anonymousId.",
                Parameters =
                [
                    Query(
                        "customerId",
                        "The customer (needs customers:read); a customer token always gets its own.",
                        () => Text(SchemaBuilder.IdPattern, 128)
                    ),
                    Query("anonymousId", "An anonymous visitor.", () => Text(max: 128)),
                ],
                Responses =
                [
                    new(200, "The token and its claims in clear.")
                    {
                        Schema = ApiSchemaRef.FromJson(PersonalizationJsonContext.Default.EdgeTokenView),
                    },
                ],
                Problems = [400, 403, 404],
            },
            new()
            {
                OperationId = "PreviewPersonalization",
                Method = "POST",
                Route = Preview,
                Tag = ApiTags.Personalization,
                Summary = "What a customer, or a hypothetical one, would see",
                Description =
                    "Decides the placements for customerId (its stored profile and segments), for a hypothetical profile, segments "
                    + "and context, or for both (the hypothetical fields over the stored profile). Nothing is recorded: no exposure, "
                    + "no holdout assignment, no log entry.",
                RequestBody = new(ApiSchemaRef.Named(PlacementSchemas.PreviewInput), [RequestBody.Json], "Who and in which context."),
                Responses = [new(200, "The decisions.") { Schema = DecisionAnswer }],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "ListPersonalizationDecisions",
                Method = "GET",
                Route = Decisions,
                Tag = ApiTags.Personalization,
                Summary = "The sampled decision log",
                Description =
                    "Newest first, one page at a time; filter[customerId]=... for one customer. Cx:Personalization:DecisionLogSampleRate "
                    + "sets the share of decisions logged.",
                Parameters =
                [
                    ApiParameters.Filter(
                        ApiSchemaRef.Inline(() =>
                            new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["customerId"] = SchemaBuilder.String("A customer id."),
                                },
                                AdditionalPropertiesAllowed = false,
                            }
                        )
                    ),
                    ApiParameters.Limit,
                    ApiParameters.Cursor,
                ],
                Responses =
                [
                    new(200, "A page of logged decisions.")
                    {
                        Schema = ApiSchemaRef.PageOf(ApiSchemaRef.Inline(LoggedDecision)),
                        Headers = [ApiHeaders.Link],
                    },
                ],
                Problems = [400],
            },
        ];
}
