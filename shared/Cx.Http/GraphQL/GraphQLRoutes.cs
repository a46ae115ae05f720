using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.GraphQL;

/// <summary>GraphQL beside REST: one endpoint, POST and GET (docs/graphql.md).</summary>
public static class GraphQLRoutes
{
    public const string Endpoint = "v1/graphql";

    private const string Description =
        "GraphQL over HTTP. The schema is generated from the current content types (the customer, components, dynamic zones "
        + "as unions, relations), with Relay connections taking the REST list's filters, sort and cursors, the customer's segments "
        + "and funnel(startEvent, endEvent). Every field needs what its REST route needs (customers:read, content:read, "
        + "segments:read, analytics:read; a customer reads its own record only); a refused field answers null with an error "
        + "whose extensions.code is FORBIDDEN. Errors follow the GraphQL-over-HTTP specification: a document that does not parse "
        + "or validate is 400 with application/graphql-response+json (200 with application/json); a request that is not a "
        + "GraphQL request is a 400 problem.";

    private static ApiSchemaRef Response { get; } =
        ApiSchemaRef.Inline(() =>
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A GraphQL response: data and/or errors.",
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["data"] = new OpenApiSchema { Type = JsonSchemaType.Object | JsonSchemaType.Null },
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Items = new OpenApiSchema { Type = JsonSchemaType.Object },
                    },
                    ["extensions"] = new OpenApiSchema { Type = JsonSchemaType.Object },
                },
            }
        );

    private static ApiSchemaRef Request { get; } =
        ApiSchemaRef.Inline(() =>
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "query" },
                AdditionalPropertiesAllowed = false,
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["query"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The GraphQL document." },
                    ["operationName"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                    ["variables"] = new OpenApiSchema { Type = JsonSchemaType.Object | JsonSchemaType.Null },
                    ["extensions"] = new OpenApiSchema { Type = JsonSchemaType.Object | JsonSchemaType.Null },
                },
            }
        );

    private static ApiParameter Query(string name, string description, bool required = false) =>
        new(name, ApiParameterLocation.Query, description, ApiSchemaRef.Inline(() => SchemaBuilder.String())) { Required = required };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "ExecuteGraphQL",
                Method = "POST",
                Route = Endpoint,
                Tag = ApiTags.GraphQL,
                Summary = "Run a GraphQL query",
                Description = Description,
                RequestBody = new ApiRequestBody(Request, ["application/json"], "A GraphQL request."),
                Responses = [new(200, "The GraphQL response.") { Schema = Response }],
                Problems = [400, 413, 415],
            },
            new()
            {
                OperationId = "ExecuteGraphQLByGet",
                Method = "GET",
                Route = Endpoint,
                Tag = ApiTags.GraphQL,
                Summary = "Run a GraphQL query by GET (queries only, cacheable)",
                Description = Description,
                Parameters =
                [
                    Query("query", "The GraphQL document.", required: true),
                    Query("operationName", "The operation to run, when the document has several."),
                    Query("variables", "The variables, as a JSON object."),
                    Query("extensions", "Extensions, as a JSON object."),
                ],
                Responses = [new(200, "The GraphQL response.") { Schema = Response }],
                Problems = [400],
            },
        ];
}
