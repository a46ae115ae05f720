using Cx.Core.Profiles;
using Cx.Http.OpenApi;
using Cx.Http.Versioning;

namespace Cx.Http.Profiles;

public static class CustomerRoutes
{
    public const string Collection = "v1/customers";

    public const string ById = "v1/customers/{customerId}";

    /// <summary>The v2 list: the same customers and query, the <c>{"data", "links"}</c> envelope.</summary>
    public const string CollectionV2 = "v2/customers";

    /// <summary>The v1 list is deprecated in favour of <see cref="CollectionV2"/> (headers and OpenAPI from this one value).</summary>
    public static ApiDeprecation ListV1Deprecation { get; } =
        new(
            Since: new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            Sunset: new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero),
            SuccessorRoute: CollectionV2
        );

    public static string Location(string id) => ApiRoutes.Path("v1/customers/" + Uri.EscapeDataString(id));

    private static readonly ApiSchemaRef Customer = ApiSchemaRef.EntryOf(CustomerProfile.TypeKey);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List(
                "ListCustomers",
                Collection,
                ApiTags.Customers,
                "List customers",
                Customer,
                ApiSchemaRef.FilterOf(CustomerProfile.TypeKey)
            ) with
            {
                Deprecation = ListV1Deprecation,
            },
            RestOperations.List(
                "ListCustomersV2",
                CollectionV2,
                ApiTags.Customers,
                "List customers (v2 envelope)",
                Customer,
                ApiSchemaRef.FilterOf(CustomerProfile.TypeKey)
            ) with
            {
                Description =
                    "The customers of the v1 list with the same filter, sort, fields, limit and cursor parameters, in the v2 envelope "
                    + "{\"data\": [...], \"links\": {\"next\": url | null}}: follow links.next (or the Link header) until it is null.",
                Responses = [new(200, "A page.") { Schema = ApiSchemaRef.DataPageOf(Customer), Headers = [ApiHeaders.Link] }],
            },
            RestOperations.Create(
                "CreateCustomer",
                Collection,
                ApiTags.Customers,
                "Create a customer",
                ApiSchemaRef.InputOf(CustomerProfile.TypeKey),
                ApiSchemaRef.Complete(Customer)
            ),
            RestOperations.Get("GetCustomer", ById, ApiTags.Customers, "Read a customer", Customer, fields: true),
            RestOperations.Replace(
                "ReplaceCustomer",
                ById,
                ApiTags.Customers,
                "Replace a customer",
                ApiSchemaRef.InputOf(CustomerProfile.TypeKey),
                ApiSchemaRef.Complete(Customer)
            ),
            RestOperations.Patch(
                "PatchCustomer",
                ById,
                ApiTags.Customers,
                "Change some fields of a customer",
                ApiSchemaRef.PatchOf(CustomerProfile.TypeKey),
                ApiSchemaRef.Complete(Customer)
            ),
            RestOperations.Delete("DeleteCustomer", ById, ApiTags.Customers, "Delete a customer"),
        ];
}
