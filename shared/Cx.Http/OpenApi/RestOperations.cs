using Cx.Http.Requests;

namespace Cx.Http.OpenApi;

/// <summary>
/// The contract of the API's resource operations, so a catalog entry is one line: list
/// (cursor pages, Link header), create (201, Location, ETag), read (ETag, 304), replace and
/// merge-patch (If-Match, 412), delete (204). Adjust with <c>with { ... }</c>,
/// <see cref="ApiOperation.WithProblems"/> and <see cref="ApiOperation.WithDescription"/>.
/// </summary>
public static class RestOperations
{
    /// <summary>GET a page of <paramref name="item"/>; with a <paramref name="filter"/>, also filter, sort and fields.</summary>
    public static ApiOperation List(
        string operationId,
        string route,
        string tag,
        string summary,
        ApiSchemaRef item,
        ApiSchemaRef? filter
    ) =>
        new()
        {
            OperationId = operationId,
            Method = "GET",
            Route = route,
            Tag = tag,
            Summary = summary,
            Description = filter is null
                ? "In key order, one page at a time: follow nextCursor (or the Link header) until it is null."
                : "Filtered and sorted on indexed fields, one page at a time: follow nextCursor (or the Link header) until it is null. "
                    + "Unknown or repeated parameters are errors, so a typo never returns the unfiltered list.",
            Parameters = filter is null
                ? [ApiParameters.Limit, ApiParameters.Cursor]
                : [ApiParameters.Filter(filter), ApiParameters.Sort, ApiParameters.Limit, ApiParameters.Cursor, ApiParameters.Fields],
            Responses = [new(200, "A page.") { Schema = ApiSchemaRef.PageOf(item), Headers = [ApiHeaders.Link] }],
            Problems = [400],
        };

    /// <summary>POST <paramref name="input"/>; 201 with the stored <paramref name="document"/>, its ETag and Location.</summary>
    public static ApiOperation Create(
        string operationId,
        string route,
        string tag,
        string summary,
        ApiSchemaRef input,
        ApiSchemaRef document
    ) =>
        new()
        {
            OperationId = operationId,
            Method = "POST",
            Route = route,
            Tag = tag,
            Summary = summary,
            RequestBody = new(input, [RequestBody.Json], "The new resource."),
            Responses = [new(201, "Created: the stored document.") { Schema = document, Headers = [ApiHeaders.ETag, ApiHeaders.Location] }],
            Problems = [400, 409, 413, 415],
        };

    /// <summary>GET one <paramref name="document"/> with its ETag; 304 when If-None-Match names it.</summary>
    public static ApiOperation Get(string operationId, string route, string tag, string summary, ApiSchemaRef document, bool fields) =>
        new()
        {
            OperationId = operationId,
            Method = "GET",
            Route = route,
            Tag = tag,
            Summary = summary,
            Parameters = fields ? [ApiParameters.Fields, ApiParameters.IfNoneMatch] : [ApiParameters.IfNoneMatch],
            Responses =
            [
                new(200, "The document.") { Schema = document, Headers = [ApiHeaders.ETag] },
                new(304, "Not modified: If-None-Match names the current version.") { Headers = [ApiHeaders.ETag] },
            ],
            Problems = [400, 404],
        };

    /// <summary>PUT a whole <paramref name="input"/> (If-Match optional); 200 with the stored document.</summary>
    public static ApiOperation Replace(
        string operationId,
        string route,
        string tag,
        string summary,
        ApiSchemaRef input,
        ApiSchemaRef document
    ) =>
        new()
        {
            OperationId = operationId,
            Method = "PUT",
            Route = route,
            Tag = tag,
            Summary = summary,
            Parameters = [ApiParameters.IfMatch],
            RequestBody = new(input, [RequestBody.Json], "The whole new version; omitted fields take their defaults."),
            Responses = [new(200, "Replaced: the stored document.") { Schema = document, Headers = [ApiHeaders.ETag] }],
            Problems = [400, 404, 409, 412, 413, 415],
        };

    /// <summary>PATCH with a JSON Merge Patch (If-Match optional); 200 with the stored document.</summary>
    public static ApiOperation Patch(
        string operationId,
        string route,
        string tag,
        string summary,
        ApiSchemaRef patch,
        ApiSchemaRef document
    ) =>
        new()
        {
            OperationId = operationId,
            Method = "PATCH",
            Route = route,
            Tag = tag,
            Summary = summary,
            Parameters = [ApiParameters.IfMatch],
            RequestBody = new(
                patch,
                [RequestBody.MergePatch, RequestBody.Json],
                "A JSON Merge Patch (RFC 7396): objects merge, null removes a field, arrays and values replace."
            ),
            Responses = [new(200, "Patched: the stored document.") { Schema = document, Headers = [ApiHeaders.ETag] }],
            Problems = [400, 404, 409, 412, 413, 415],
        };

    /// <summary>DELETE (If-Match optional); 204.</summary>
    public static ApiOperation Delete(string operationId, string route, string tag, string summary) =>
        new()
        {
            OperationId = operationId,
            Method = "DELETE",
            Route = route,
            Tag = tag,
            Summary = summary,
            Parameters = [ApiParameters.IfMatch],
            Responses = [new(204, "Deleted.")],
            Problems = [400, 404, 412],
        };
}
