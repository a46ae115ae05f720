using Cx.Core.Profiles;
using Cx.Http.OpenApi;

namespace Cx.Http.Profiles;

public static class CustomerRoutes
{
    public const string Collection = "v1/customers";

    public const string ById = "v1/customers/{customerId}";

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
            ),
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
