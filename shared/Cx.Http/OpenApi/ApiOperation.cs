namespace Cx.Http.OpenApi;

/// <summary>
/// One HTTP function as the OpenAPI document describes it: the function name as the
/// operation id, the method, the route constant and the whole contract (parameters, body,
/// every response with its schema and headers, the problem types it can answer with).
/// Entries live next to their route constants in a static member marked
/// <see cref="ApiOperationsAttribute"/>; <see cref="ApiCatalog"/> finds them.
/// </summary>
public sealed record ApiOperation
{
    /// <summary>The function name (<c>[Function("...")]</c>), unique in the app.</summary>
    public required string OperationId { get; init; }

    /// <summary>Upper-case HTTP method, as functions.metadata lists it.</summary>
    public required string Method { get; init; }

    /// <summary>The route constant, without the <c>api</c> prefix (<c>v1/customers/{customerId}</c>).</summary>
    public required string Route { get; init; }

    public required string Tag { get; init; }

    public required string Summary { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// Query and header parameters, and path parameters that need more than the defaults
    /// (<see cref="ApiParameters.ForPath"/> describes the others from their names).
    /// </summary>
    public IReadOnlyList<ApiParameter> Parameters { get; init; } = [];

    public ApiRequestBody? RequestBody { get; init; }

    /// <summary>The success and redirection responses (2xx, 304).</summary>
    public IReadOnlyList<ApiResponse> Responses { get; init; } = [];

    /// <summary>
    /// The statuses answered with <c>application/problem+json</c> (400, 404, 409, 412, 413,
    /// 415, ...). 500 is added to every operation.
    /// </summary>
    public IReadOnlyList<int> Problems { get; init; } = [];

    /// <summary>
    /// No credentials needed (the function's [Access] is Anonymous; a test holds the two equal).
    /// Other operations require a bearer token or an API key and can answer 401 and 403.
    /// </summary>
    public bool Anonymous { get; init; }

    /// <summary>The permission the function declares, shown in the document (<c>x-cx-permission</c>).</summary>
    public string? Permission { get; init; }

    /// <summary>
    /// The one annotation that deprecates this operation: <c>deprecated: true</c> in the document
    /// and the <c>Deprecation</c>, <c>Sunset</c> and <c>Link</c> headers on every answer.
    /// </summary>
    public Versioning.ApiDeprecation? Deprecation { get; init; }

    /// <summary>The path of the document: <c>/api/</c> plus the route, constraints removed.</summary>
    public string Path => ApiRouteTemplate.ToOpenApiPath(Route);

    /// <summary>Adds problem statuses to those the operation already lists.</summary>
    public ApiOperation WithProblems(params int[] statuses) => this with { Problems = [.. Problems.Union(statuses).Order()] };

    /// <summary>Removes problem statuses that cannot happen for this operation.</summary>
    public ApiOperation WithoutProblems(params int[] statuses) => this with { Problems = [.. Problems.Except(statuses)] };

    public ApiOperation WithDescription(string description) => this with { Description = description };
}

/// <summary>Where a parameter travels.</summary>
public enum ApiParameterLocation
{
    Path,
    Query,
    Header,
}

/// <summary>A path, query or header parameter; reusable ones are shared components of the document.</summary>
public sealed record ApiParameter(string Name, ApiParameterLocation In, string Description, ApiSchemaRef Schema)
{
    public bool Required { get; init; }

    /// <summary>A shared parameter (<c>#/components/parameters/{ComponentName}</c>) instead of an inline one.</summary>
    public string? ComponentName { get; init; }

    /// <summary><c>deepObject</c> style for <c>filter[field][op]</c>.</summary>
    public bool DeepObject { get; init; }
}

/// <summary>The body an operation takes, in one or more media types.</summary>
public sealed record ApiRequestBody(ApiSchemaRef Schema, IReadOnlyList<string> MediaTypes, string Description);

/// <summary>A success or redirection response: status, schema (none for 204/304) and headers.</summary>
public sealed record ApiResponse(int Status, string Description)
{
    public ApiSchemaRef? Schema { get; init; }

    public string MediaType { get; init; } = "application/json";

    /// <summary>Media types the response may also have, described without a schema (files: CSV, Parquet, NDJSON).</summary>
    public IReadOnlyList<string> FileMediaTypes { get; init; } = [];

    public IReadOnlyList<ApiHeader> Headers { get; init; } = [];
}

/// <summary>A response header, described once in <c>#/components/headers</c>.</summary>
public sealed record ApiHeader(string Name, bool Required);

/// <summary>
/// Marks a static property or field of type <c>IEnumerable&lt;ApiOperation&gt;</c> whose
/// entries belong in the catalog. Put it in the class that holds the route constants.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class ApiOperationsAttribute : Attribute;
