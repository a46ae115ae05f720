using Cx.Core.Profiles;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Portability;

/// <summary>
/// The export routes. Literal segments outrank parameters in route matching (Functions host
/// and DevHost alike), so <c>/content/{typeKey}/export</c> never reaches the entry read
/// <c>/content/{typeKey}/{entryId}</c>; an entry whose id is <c>export</c> stays readable by
/// filtering the list on its id.
/// </summary>
public static class ExportRoutes
{
    public const string Customers = "v1/customers/export";

    public const string Entries = "v1/content/{typeKey}/export";

    private const string Description =
        "Streams every matching entry in id order, read from the store one keyset page at a time, so memory stays bounded "
        + "whatever the size. format: json (an array), ndjson (one entry per line), csv or parquet (one column per scalar field; "
        + "docs/export.md has the flattening rules and the type mapping). filter[...] as in the list. An interrupted export "
        + "resumes with after=<last id received>. gzip when compress=gzip or Accept-Encoding allows it.";

    private static IReadOnlyList<ApiParameter> Parameters(ApiSchemaRef filter) =>
        [
            new(
                "format",
                ApiParameterLocation.Query,
                "json (default), ndjson, csv or parquet.",
                ApiSchemaRef.Inline(() => SchemaBuilder.Enumeration(["json", "ndjson", "csv", "parquet"]))
            ),
            ApiParameters.Filter(filter),
            new(
                "after",
                ApiParameterLocation.Query,
                "Resume: export only the entries whose id sorts after this one (the last id received).",
                ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 256 })
            ),
            new(
                "compress",
                ApiParameterLocation.Query,
                "gzip: compress the body (Content-Encoding: gzip) whatever Accept-Encoding says; none: never.",
                ApiSchemaRef.Inline(() => SchemaBuilder.Enumeration(["gzip", "none"]))
            ),
        ];

    private static ApiOperation Export(string operationId, string route, string tag, string summary, ApiSchemaRef filter) =>
        new()
        {
            OperationId = operationId,
            Method = "GET",
            Route = route,
            Tag = tag,
            Summary = summary,
            Description = Description,
            Parameters = Parameters(filter),
            Responses =
            [
                new(200, "The export file, streamed; its media type follows the format.")
                {
                    FileMediaTypes = ["application/json", "application/x-ndjson", "text/csv", "application/vnd.apache.parquet"],
                },
            ],
            Problems = [400],
        };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            Export(
                "ExportCustomers",
                Customers,
                ApiTags.Customers,
                "Export customers (JSON, NDJSON, CSV or Parquet)",
                ApiSchemaRef.FilterOf(CustomerProfile.TypeKey)
            ),
            Export(
                    "ExportEntries",
                    Entries,
                    ApiTags.Content,
                    "Export the entries of a collection type (JSON, NDJSON, CSV or Parquet)",
                    ApiSchemaRef.Named(CommonSchemas.EntryFilter)
                )
                .WithProblems(404, 409),
        ];
}
