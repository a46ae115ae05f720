using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Privacy;

/// <summary>The privacy-request routes (docs/privacy.md).</summary>
public static class PrivacyRoutes
{
    public const string PersonalData = "v1/customers/{customerId}/personal-data";

    public const string Erasure = "v1/customers/{customerId}/erasure";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "GetCustomerPersonalData",
                Method = "GET",
                Route = PersonalData,
                Tag = ApiTags.Customers,
                Summary = "Access request: everything held about a customer, as JSON or a zip of CSV files",
                Description =
                    "One call answers a data-subject access request: the profile, the entries of every content type that names "
                    + "the customer (tickets, interactions, self-service events, feedback, orders, ...), their events with the merged "
                    + "anonymous history, their anonymous ids, notification preferences and consents, deliveries, inbox, "
                    + "personalization assignments and the audit entries about them, plus the list of fields tagged as personal data. "
                    + "format=json (default) streams one object, each section an array of the items as stored; format=csv answers a "
                    + "zip with one CSV file per section. Admins (privacy:requests), and a customer for their own id. Audited.",
                Parameters =
                [
                    new(
                        "format",
                        ApiParameterLocation.Query,
                        "json (default) or csv (a zip of CSV files).",
                        ApiSchemaRef.Inline(() => SchemaBuilder.Enumeration(["json", "csv"]))
                    ),
                ],
                Responses =
                [
                    new(200, "The bundle, streamed; its media type follows the format.")
                    {
                        FileMediaTypes = ["application/json", "application/zip"],
                    },
                ],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "EraseCustomerPersonalData",
                Method = "POST",
                Route = Erasure,
                Tag = ApiTags.Customers,
                Summary = "Erasure request: delete or anonymise a customer across every store, with a proof",
                Description =
                    "Deletes what exists only for the customer (profile, notification preferences and consents, deliveries, inbox, "
                    + "personalization assignments; the customer is signed out everywhere) and anonymises what must stay (entries "
                    + "that name the customer get a pseudonym and lose their other personal fields; analytics facts keep their counts "
                    + "under the pseudonym, with the identified anonymous ids). The body confirms the customer id. Answers the proof "
                    + "(what was erased, when, by whom, SHA-256 hashes), which is also written to the audit log. Admins (privacy:requests).",
                RequestBody = new(ApiSchemaRef.Inline(ConfirmSchema), [RequestBody.Json], "The customer id again, to confirm."),
                Responses = [new(200, "Erased; the proof.") { Schema = ApiSchemaRef.Inline(ProofSchema) }],
                Problems = [400, 404, 413, 415],
            },
        ];

    private static OpenApiSchema ConfirmSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            AdditionalPropertiesAllowed = false,
            Required = new SortedSet<string>(["confirm"], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["confirm"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The customer id of the route." },
            },
        };

    private static OpenApiSchema ProofSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Required = new SortedSet<string>(
                ["erasureId", "customerIdSha256", "pseudonym", "erasedAt", "erasedBy", "steps"],
                StringComparer.Ordinal
            ),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["erasureId"] = Text("The id of this erasure."),
                ["customerIdSha256"] = Text("SHA-256 (hex) of the customer id: checks the proof against an id without revealing it."),
                ["pseudonym"] = Text("What replaced the customer id where records stay."),
                ["erasedAt"] = Text("When (UTC)."),
                ["erasedBy"] = Text("Who: the actor (kind:subject)."),
                ["steps"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Description =
                        "Each store's part: store, action (deleted, anonymized, pseudonymized, revoked), count, SHA-256 of each item as it was.",
                    Items = new OpenApiSchema { Type = JsonSchemaType.Object },
                },
            },
        };

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
}
