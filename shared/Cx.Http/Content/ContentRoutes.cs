using Cx.Http.OpenApi;

namespace Cx.Http.Content;

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
