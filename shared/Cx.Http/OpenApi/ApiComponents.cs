using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>Parameters shared by many operations (most become <c>#/components/parameters</c>).</summary>
public static class ApiParameters
{
    public static ApiParameter IfMatch { get; } =
        new(
            "If-Match",
            ApiParameterLocation.Header,
            "Optimistic concurrency: the ETag you read (quoted), or *. A stale tag answers 412; without the header the write applies to the current version.",
            ApiSchemaRef.Inline(() => SchemaBuilder.String())
        )
        {
            ComponentName = "IfMatch",
        };

    public static ApiParameter IfNoneMatch { get; } =
        new(
            "If-None-Match",
            ApiParameterLocation.Header,
            "ETags you already have (or *): when one matches, the answer is 304 Not Modified without a body.",
            ApiSchemaRef.Inline(() => SchemaBuilder.String())
        )
        {
            ComponentName = "IfNoneMatch",
        };

    public static ApiParameter Limit { get; } =
        new("limit", ApiParameterLocation.Query, "Page size.", ApiSchemaRef.Named(CommonSchemas.PageLimit)) { ComponentName = "Limit" };

    public static ApiParameter Cursor { get; } =
        new(
            "cursor",
            ApiParameterLocation.Query,
            "The nextCursor of the previous page. Keep the other parameters unchanged while paging; a cursor of another query is rejected.",
            ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 4096 })
        )
        {
            ComponentName = "Cursor",
        };

    public static ApiParameter Sort { get; } =
        new(
            "sort",
            ApiParameterLocation.Query,
            "Comma-separated indexed fields (at most 3), '-' for descending: sort=-lastLogin,email. The id is always the last tie-breaker.",
            ApiSchemaRef.Inline(() => SchemaBuilder.String())
        )
        {
            ComponentName = "Sort",
        };

    public static ApiParameter Fields { get; } =
        new(
            "fields",
            ApiParameterLocation.Query,
            "Sparse fieldset: comma-separated fields, and fields of single components as component.field (fields=email,preferences.language). "
                + "The id is always included; the other system fields only when listed.",
            ApiSchemaRef.Inline(() => SchemaBuilder.String())
        )
        {
            ComponentName = "Fields",
        };

    /// <summary><c>filter[field]=value</c> and <c>filter[field][op]=value</c>, described by <paramref name="schema"/>.</summary>
    public static ApiParameter Filter(ApiSchemaRef schema) =>
        new(
            "filter",
            ApiParameterLocation.Query,
            "Filters on indexed fields, all of which must hold: filter[field]=value (equals) or filter[field][op]=value with op one of "
                + string.Join(", ", CommonSchemas.FilterOperators)
                + ".",
            schema
        )
        {
            DeepObject = true,
        };

    /// <summary>The path parameter <paramref name="name"/>, described by what its name means in Cx routes.</summary>
    public static ApiParameter ForPath(string name) =>
        name switch
        {
            "customerId" => Path(name, "The customer's id.", SchemaBuilder.IdPattern),
            "entryId" => Path(name, "The entry's id.", SchemaBuilder.IdPattern),
            "typeKey" => Path(name, "The key of a content type.", SchemaBuilder.KeyPattern),
            "componentKey" => Path(name, "The key of a component.", SchemaBuilder.KeyPattern),
            "segmentKey" => Path(name, "The key of a segment.", SchemaBuilder.KeyPattern),
            _ => Path(name, $"The {name} route value.", null),
        };

    private static ApiParameter Path(string name, string description, string? pattern) =>
        new(
            name,
            ApiParameterLocation.Path,
            description,
            ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = pattern })
        )
        {
            Required = true,
        };
}

/// <summary>Response headers, described once in <c>#/components/headers</c>.</summary>
public static class ApiHeaders
{
    public static ApiHeader ETag { get; } = new("ETag", Required: true);

    public static ApiHeader Location { get; } = new("Location", Required: true);

    public static ApiHeader Link { get; } = new("Link", Required: false);

    internal static IOpenApiHeader Create(ApiHeader header) =>
        header.Name switch
        {
            "ETag" => new OpenApiHeader
            {
                Description = "The entity tag of the returned version (strong, quoted). Send it back in If-Match or If-None-Match.",
                Required = header.Required,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[^\"]*\"$" },
            },
            "Location" => new OpenApiHeader
            {
                Description = "The path of the created resource.",
                Required = header.Required,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
            },
            "Link" => new OpenApiHeader
            {
                Description = "<url>; rel=\"next\" when there is a next page (the same URL with the cursor).",
                Required = header.Required,
                Schema = SchemaBuilder.String(),
            },
            _ => new OpenApiHeader { Required = header.Required, Schema = SchemaBuilder.String() },
        };

    internal static string ComponentName(ApiHeader header) => header.Required ? header.Name : header.Name + "Optional";
}

/// <summary>The problem+json responses, one shared component per status, with the codes each can carry.</summary>
internal static class ProblemResponses
{
    private static readonly Dictionary<int, (string Name, string Description)> Known = new()
    {
        [400] = (
            "BadRequest",
            "The request is not valid: validation-failed (with errors[] locating each field, query parameter or header), malformed-json, bad-request; "
                + "invalid-grant from the token endpoint (with error=invalid_grant, as RFC 6749 clients expect)."
        ),
        [401] = (
            "Unauthorized",
            "unauthorized: no credentials, or an access token or API key that is expired, forged, revoked or for someone else. WWW-Authenticate says which."
        ),
        [403] = (
            "Forbidden",
            "forbidden: the credentials are valid but do not allow this (role, API-key scope, or another customer's data)."
        ),
        [404] = ("NotFound", "not-found: the resource (or the content type in the URL) does not exist."),
        [405] = ("MethodNotAllowed", "method-not-allowed: the route exists, the method does not."),
        [409] = (
            "Conflict",
            "The request conflicts with the current state: already-exists, unique-violation (errors[] points at the field), "
                + "single-type / collection-type (wrong route for the type's kind), built-in, in-use, has-entries."
        ),
        [412] = ("PreconditionFailed", "precondition-failed: If-Match does not name the current version (or is weak)."),
        [413] = ("PayloadTooLarge", "payload-too-large: the body exceeds the configured limit (Cx:Http:MaxBodyBytes)."),
        [429] = (
            "TooManyRequests",
            "rate-limited: this caller exceeded its rate limit for the route group; Retry-After says when to try again."
        ),
        [415] = (
            "UnsupportedMediaType",
            "unsupported-media-type: send application/json (PATCH also takes application/merge-patch+json), UTF-8."
        ),
        [500] = ("InternalError", "internal-error: something failed on the server; the body reveals only a trace id."),
    };

    public static string ComponentName(int status) => Known.TryGetValue(status, out var known) ? known.Name : "Problem" + status;

    public static IOpenApiResponse Create(int status, SchemaContext context) =>
        new OpenApiResponse
        {
            Description = Known.TryGetValue(status, out var known) ? known.Description : $"A problem with status {status}.",
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                [CommonSchemas.ProblemMediaType] = new OpenApiMediaType { Schema = context.Reference(CommonSchemas.Problem) },
            },
            Headers = status switch
            {
                401 => new Dictionary<string, IOpenApiHeader>
                {
                    ["WWW-Authenticate"] = new OpenApiHeader
                    {
                        Description = "Bearer realm=\"cx\", with error=\"invalid_token\" when credentials were given but are not valid.",
                        Required = true,
                        Schema = SchemaBuilder.String(),
                    },
                },
                429 => new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before trying again.",
                        Required = true,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]+$" },
                    },
                },
                _ => null,
            },
        };
}
