using Cx.Http.OpenApi;

namespace Cx.Http.Privacy;

/// <summary>The privacy-request routes (docs/privacy.md).</summary>
public static class PrivacyRoutes
{
    public const string PersonalData = "v1/customers/{customerId}/personal-data";

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
        ];
}
