using Cx.Http.OpenApi;

namespace Cx.Http.Content;

public static class ContentTypeRoutes
{
    public const string Collection = "v1/content-types";

    public const string ByKey = "v1/content-types/{typeKey}";

    public static string Location(string key) => ApiRoutes.Path("v1/content-types/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(ContentTypeSchemas.ContentTypeDocument);

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
                ApiSchemaRef.Named(ContentTypeSchemas.ContentTypeInput),
                Document
            ),
            RestOperations.Get("GetContentType", ByKey, ApiTags.ContentTypes, "Read a content type", Document, fields: false),
            RestOperations
                .Replace(
                    "ReplaceContentType",
                    ByKey,
                    ApiTags.ContentTypes,
                    "Change a content type",
                    ApiSchemaRef.Named(ContentTypeSchemas.ContentTypeInput),
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
