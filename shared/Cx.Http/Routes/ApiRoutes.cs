using Cx.Core.Profiles;
using Cx.Http.Endpoints;
using Cx.Http.OpenApi;

namespace Cx.Http.Routes;

/// <summary>
/// Every route of the API, version first, lower-case plural nouns. The function app's
/// host.json keeps the <see cref="Prefix"/>; tests hold these equal to functions.metadata.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The route prefix of host.json (<c>extensions.http.routePrefix</c>).</summary>
    public const string Prefix = "api";

    public static string Path(string route) => "/" + Prefix + "/" + route;
}

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

public static class ContentTypeRoutes
{
    public const string Collection = "v1/content-types";

    public const string ByKey = "v1/content-types/{typeKey}";

    public static string Location(string key) => ApiRoutes.Path("v1/content-types/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(DefinitionSchemas.ContentTypeDocument);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListContentTypes", Collection, ApiTags.ContentTypes, "List content types", Document, filter: null),
            RestOperations.Create(
                "CreateContentType",
                Collection,
                ApiTags.ContentTypes,
                "Create a content type",
                ApiSchemaRef.Named(DefinitionSchemas.ContentTypeInput),
                Document
            ),
            RestOperations.Get("GetContentType", ByKey, ApiTags.ContentTypes, "Read a content type", Document, fields: false),
            RestOperations
                .Replace(
                    "ReplaceContentType",
                    ByKey,
                    ApiTags.ContentTypes,
                    "Change a content type",
                    ApiSchemaRef.Named(DefinitionSchemas.ContentTypeInput),
                    Document
                )
                .WithoutProblems(409)
                .WithDescription(
                    "Key, kind and storage are fixed; a field keeps its type; a new or newly required field needs a default; built-in fields stay."
                ),
            RestOperations
                .Delete("DeleteContentType", ByKey, ApiTags.ContentTypes, "Delete a content type")
                .WithProblems(409)
                .WithDescription("Only a type that is not built in, has no entries and is no relation's target."),
        ];
}

public static class ComponentRoutes
{
    public const string Collection = "v1/components";

    public const string ByKey = "v1/components/{componentKey}";

    public static string Location(string key) => ApiRoutes.Path("v1/components/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(DefinitionSchemas.ComponentDocument);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListComponents", Collection, ApiTags.Components, "List components", Document, filter: null),
            RestOperations.Create(
                "CreateComponent",
                Collection,
                ApiTags.Components,
                "Create a component",
                ApiSchemaRef.Named(DefinitionSchemas.ComponentInput),
                Document
            ),
            RestOperations.Get("GetComponent", ByKey, ApiTags.Components, "Read a component", Document, fields: false),
            RestOperations
                .Replace(
                    "ReplaceComponent",
                    ByKey,
                    ApiTags.Components,
                    "Change a component",
                    ApiSchemaRef.Named(DefinitionSchemas.ComponentInput),
                    Document
                )
                .WithoutProblems(409),
            RestOperations
                .Delete("DeleteComponent", ByKey, ApiTags.Components, "Delete a component")
                .WithProblems(409)
                .WithDescription("Only a component that is not built in and that no type or component uses."),
        ];
}

public static class ContentRoutes
{
    public const string Collection = "v1/content/{typeKey}";

    public const string ById = "v1/content/{typeKey}/{entryId}";

    public const string Single = "v1/singles/{typeKey}";

    public static string Location(string typeKey, string id) =>
        ApiRoutes.Path("v1/content/" + Uri.EscapeDataString(typeKey) + "/" + Uri.EscapeDataString(id));

    public static string SingleLocation(string typeKey) => ApiRoutes.Path("v1/singles/" + Uri.EscapeDataString(typeKey));

    private static readonly ApiSchemaRef Entry = ApiSchemaRef.Named(CommonSchemas.Entry);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(CommonSchemas.EntryInput);

    private static readonly ApiSchemaRef Patch = ApiSchemaRef.Named(CommonSchemas.EntryPatch);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations
                .List(
                    "ListEntries",
                    Collection,
                    ApiTags.Content,
                    "List entries of a collection type",
                    Entry,
                    ApiSchemaRef.Named(CommonSchemas.EntryFilter)
                )
                .WithProblems(404, 409),
            RestOperations
                .Create("CreateEntry", Collection, ApiTags.Content, "Create an entry", Input, ApiSchemaRef.Complete(Entry))
                .WithProblems(404),
            RestOperations.Get("GetEntry", ById, ApiTags.Content, "Read an entry", Entry, fields: true).WithProblems(409),
            RestOperations.Replace("ReplaceEntry", ById, ApiTags.Content, "Replace an entry", Input, ApiSchemaRef.Complete(Entry)),
            RestOperations.Patch(
                "PatchEntry",
                ById,
                ApiTags.Content,
                "Change some fields of an entry",
                Patch,
                ApiSchemaRef.Complete(Entry)
            ),
            RestOperations.Delete("DeleteEntry", ById, ApiTags.Content, "Delete an entry").WithProblems(409),
            RestOperations
                .Get("GetSingle", Single, ApiTags.Content, "Read the entry of a single type", Entry, fields: true)
                .WithProblems(409),
            RestOperations.Replace(
                "PutSingle",
                Single,
                ApiTags.Content,
                "Create or replace the entry of a single type",
                Input,
                ApiSchemaRef.Complete(Entry)
            ) with
            {
                Responses =
                [
                    new(200, "Replaced: the stored entry.") { Schema = ApiSchemaRef.Complete(Entry), Headers = [ApiHeaders.ETag] },
                    new(201, "Created: the stored entry.")
                    {
                        Schema = ApiSchemaRef.Complete(Entry),
                        Headers = [ApiHeaders.ETag, ApiHeaders.Location],
                    },
                ],
            },
            RestOperations.Patch(
                "PatchSingle",
                Single,
                ApiTags.Content,
                "Change some fields of the entry of a single type",
                Patch,
                ApiSchemaRef.Complete(Entry)
            ),
            RestOperations.Delete("DeleteSingle", Single, ApiTags.Content, "Delete the entry of a single type").WithProblems(409),
        ];
}

public static class SystemRoutes
{
    public const string Health = "v1/health";

    public const string OpenApi = "v1/openapi.json";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "Health",
                Method = "GET",
                Route = Health,
                Tag = ApiTags.System,
                Summary = "Check health",
                Description = "200 once storage and the content definitions are reachable.",
                Responses = [new(200, "Healthy.") { Schema = ApiSchemaRef.FromJson(HttpJsonContext.Default.HealthReport) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "GetOpenApiDocument",
                Method = "GET",
                Route = OpenApi,
                Tag = ApiTags.System,
                Summary = "This OpenAPI document",
                Description =
                    "Generated from the current content types: a field added to a type appears here at once. Cache it with If-None-Match.",
                Parameters = [ApiParameters.IfNoneMatch],
                Responses =
                [
                    new(200, "The OpenAPI 3.1 document.")
                    {
                        Schema = ApiSchemaRef.Named(CommonSchemas.OpenApiDocument),
                        Headers = [ApiHeaders.ETag],
                    },
                    new(304, "Not modified: the definitions have not changed.") { Headers = [ApiHeaders.ETag] },
                ],
                Problems = [400],
            },
        ];
}
