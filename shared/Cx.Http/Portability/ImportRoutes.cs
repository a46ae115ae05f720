using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Portability;

/// <summary>
/// The import routes. As for exports, the literal <c>import</c> segment outranks the entry
/// routes' <c>{entryId}</c>, and only POST is mapped here.
/// </summary>
public static class ImportRoutes
{
    public const string Customers = "v1/customers/import";

    public const string Entries = "v1/content/{typeKey}/import";

    private const string Description =
        "Bulk upsert by id from NDJSON (one entry per line, as the ndjson export writes) or CSV (the columns the csv export "
        + "writes). Every row is validated as a create or replace would be, and nothing is written unless every row is valid: "
        + "otherwise 400 import-rejected lists each error with its line and a JSON Pointer into the row. One request takes at "
        + "most Cx:Portability:ImportMaxRows rows starting at line from; nextFrom in the answer is where the next request "
        + "starts (null when the file is done). docs/export.md describes limits and resuming.";

    private static ApiOperation Import(string operationId, string route, string tag, string summary) =>
        new()
        {
            OperationId = operationId,
            Method = "POST",
            Route = route,
            Tag = tag,
            Summary = summary,
            Description = Description,
            Parameters =
            [
                new(
                    "from",
                    ApiParameterLocation.Query,
                    "The line of the file to start at (1-based, the CSV header is line 1); rows before it are skipped.",
                    ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" })
                ),
            ],
            RequestBody = new(
                ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String }),
                [ImportEndpoints.Ndjson, ImportEndpoints.Csv],
                "The file: NDJSON or CSV, UTF-8."
            ),
            Responses =
            [
                new(200, "Every row of the chunk was valid and is written.")
                {
                    Schema = ApiSchemaRef.Inline(() =>
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                ["created"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                                ["updated"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                                ["nextFrom"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null },
                            },
                            Required = new HashSet<string> { "created", "updated", "nextFrom" },
                        }
                    ),
                },
            ],
            Problems = [400, 409, 413, 415],
        };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            Import("ImportCustomers", Customers, ApiTags.Customers, "Import customers (NDJSON or CSV)"),
            Import("ImportEntries", Entries, ApiTags.Content, "Import entries of a collection type (NDJSON or CSV)").WithProblems(404),
        ];
}
