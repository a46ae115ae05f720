using Cx.Http.OpenApi;

namespace Cx.Http.Content;

public static class ComponentRoutes
{
    public const string Collection = "v1/components";

    public const string ByKey = "v1/components/{componentKey}";

    public static string Location(string key) => ApiRoutes.Path("v1/components/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(ContentTypeSchemas.ComponentDocument);

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
                ApiSchemaRef.Named(ContentTypeSchemas.ComponentInput),
                Document
            ),
            RestOperations.Get("GetComponent", ByKey, ApiTags.Components, "Read a component", Document, fields: false),
            RestOperations
                .Replace(
                    "ReplaceComponent",
                    ByKey,
                    ApiTags.Components,
                    "Change a component",
                    ApiSchemaRef.Named(ContentTypeSchemas.ComponentInput),
                    Document
                )
                .WithoutProblems(409),
            RestOperations
                .Delete("DeleteComponent", ByKey, ApiTags.Components, "Delete a component")
                .WithProblems(409)
                .WithDescription("Only a component that is not built in and that no type or component uses."),
        ];
}
