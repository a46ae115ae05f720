using System.Text.Json.Nodes;
using Cx.Core.Content;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// Turns the operation catalog and the current definitions into an OpenAPI 3.1 document:
/// paths from the route constants, shared parameters, headers and problem responses as
/// components, and the schemas of <see cref="CommonSchemas"/>, <see cref="DefinitionSchemas"/>
/// and <see cref="ContentSchemas"/>.
/// </summary>
public static class OpenApiDocumentBuilder
{
    /// <summary>Lists each content type's schema names: <c>{"article": {"entry": "#/components/schemas/ArticleEntry", ...}}</c>.</summary>
    public const string ContentTypesExtension = "x-cx-content-types";

    public static OpenApiDocument Build(
        IReadOnlyList<ApiOperation> operations,
        IReadOnlyList<ContentType> types,
        IReadOnlyList<ComponentDefinition> components,
        ContentOptions contentOptions,
        string version = "v1"
    )
    {
        var document = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = "Cx API",
                Version = version,
                Description =
                    $"The Cx customer-experience API, version {version}: this document lists the operations of this version "
                    + "(each version has its own document at /api/{version}/openapi.json). Errors are RFC 9457 problem details "
                    + "(application/problem+json); lists are cursor-paginated; documents carry ETags for caching and optimistic "
                    + "concurrency. Content-type schemas in this document follow the current definitions.",
            },
            Servers = [new OpenApiServer { Url = "/", Description = "This host; every path starts with the /api prefix." }],
            Paths = new OpenApiPaths(),
            Components = new OpenApiComponents
            {
                Schemas = new SortedDictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
                Parameters = new SortedDictionary<string, IOpenApiParameter>(StringComparer.Ordinal),
                Headers = new SortedDictionary<string, IOpenApiHeader>(StringComparer.Ordinal),
                Responses = new SortedDictionary<string, IOpenApiResponse>(StringComparer.Ordinal),
                SecuritySchemes = new SortedDictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
                {
                    ["bearer"] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        BearerFormat = "JWT",
                        Description = "A Cx access token (ES256 JWT, verify with /api/v1/auth/jwks.json), from POST /api/v1/auth/token.",
                    },
                    ["apiKey"] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey,
                        In = ParameterLocation.Header,
                        Name = "X-Api-Key",
                        Description = "A service API key (cx_{id}_{secret}) with scopes; public keys can only write events.",
                    },
                },
            },
            Tags = new HashSet<OpenApiTag>(),
        };
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] },
        ];
        var context = new SchemaContext(document, contentOptions);
        CommonSchemas.Register(context);
        DefinitionSchemas.Register(context);
        var contentNames = ContentSchemas.Register(context, types, components);

        var tags = new List<string>();
        foreach (var operation in operations)
        {
            if (!document.Paths.TryGetValue(operation.Path, out var item))
            {
                item = new OpenApiPathItem();
                document.Paths[operation.Path] = item;
            }
            ((OpenApiPathItem)item).AddOperation(HttpMethod.Parse(operation.Method), BuildOperation(operation, context));
            if (!tags.Contains(operation.Tag))
            {
                tags.Add(operation.Tag);
            }
        }
        foreach (var tag in tags)
        {
            document.Tags.Add(new OpenApiTag { Name = tag, Description = ApiTags.Describe(tag) });
        }
        var extension = new JsonObject();
        foreach (var (key, names) in contentNames.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            extension[key] = new JsonObject
            {
                ["entry"] = "#/components/schemas/" + names.Entry,
                ["input"] = "#/components/schemas/" + names.Input,
                ["patch"] = "#/components/schemas/" + names.Patch,
            };
        }
        document.Extensions = new Dictionary<string, IOpenApiExtension> { [ContentTypesExtension] = new JsonNodeExtension(extension) };
        return document;
    }

    private static OpenApiOperation BuildOperation(ApiOperation operation, SchemaContext context)
    {
        var document = context.Document;
        var parameters = new List<IOpenApiParameter>();
        foreach (var name in ApiRouteTemplate.Parameters(operation.Route))
        {
            var parameter =
                operation.Parameters.FirstOrDefault(p => p.In == ApiParameterLocation.Path && p.Name == name)
                ?? ApiParameters.ForPath(name);
            parameters.Add(BuildParameter(parameter, context));
        }
        foreach (var parameter in operation.Parameters.Where(p => p.In != ApiParameterLocation.Path))
        {
            parameters.Add(BuildParameter(parameter, context));
        }
        var responses = new OpenApiResponses();
        foreach (var response in operation.Responses)
        {
            responses[Status(response.Status)] = BuildResponse(response, context);
        }
        var problems = operation.Anonymous ? operation.Problems.Append(429) : operation.Problems.Concat([401, 403, 429]);
        foreach (var status in problems.Append(500).Distinct().Order())
        {
            var name = ProblemResponses.ComponentName(status);
            if (!document.Components!.Responses!.ContainsKey(name))
            {
                document.Components.Responses[name] = ProblemResponses.Create(status, context);
            }
            responses[Status(status)] = new OpenApiResponseReference(name, document);
        }
        return new OpenApiOperation
        {
            OperationId = operation.OperationId,
            Summary = operation.Summary,
            Description = operation.Deprecation is { } deprecation
                ? (operation.Description + " " + deprecation.Describe()).Trim()
                : operation.Description,
            Deprecated = operation.Deprecation is not null,
            Tags = new HashSet<OpenApiTagReference> { new(operation.Tag, document) },
            Parameters = parameters.Count > 0 ? parameters : null,
            RequestBody = operation.RequestBody is { } body
                ? new OpenApiRequestBody
                {
                    Description = body.Description,
                    Required = true,
                    Content = body.MediaTypes.ToDictionary(
                        m => m,
                        m => (IOpenApiMediaType)new OpenApiMediaType { Schema = body.Schema.Resolve(context) },
                        StringComparer.Ordinal
                    ),
                }
                : null,
            Responses = responses,
            Security = operation.Anonymous ? [] : null,
            Extensions = operation.Permission is { } permission
                ? new Dictionary<string, IOpenApiExtension> { ["x-cx-permission"] = new JsonNodeExtension(permission) }
                : null,
        };
    }

    private static IOpenApiParameter BuildParameter(ApiParameter parameter, SchemaContext context)
    {
        var document = context.Document;
        if (parameter.ComponentName is { } name && document.Components!.Parameters!.ContainsKey(name))
        {
            return new OpenApiParameterReference(name, document);
        }
        var built = new OpenApiParameter
        {
            Name = parameter.Name,
            In = parameter.In switch
            {
                ApiParameterLocation.Path => ParameterLocation.Path,
                ApiParameterLocation.Query => ParameterLocation.Query,
                _ => ParameterLocation.Header,
            },
            Description = parameter.Description,
            Required = parameter.Required || parameter.In == ApiParameterLocation.Path,
            Schema = parameter.Schema.Resolve(context),
            Style = parameter.DeepObject ? ParameterStyle.DeepObject : null,
            Explode = parameter.In == ApiParameterLocation.Query,
        };
        if (parameter.ComponentName is null)
        {
            return built;
        }
        document.Components!.Parameters![parameter.ComponentName] = built;
        return new OpenApiParameterReference(parameter.ComponentName, document);
    }

    private static OpenApiResponse BuildResponse(ApiResponse response, SchemaContext context)
    {
        var document = context.Document;
        var headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
        foreach (var header in response.Headers)
        {
            var name = ApiHeaders.ComponentName(header);
            if (!document.Components!.Headers!.ContainsKey(name))
            {
                document.Components.Headers[name] = ApiHeaders.Create(header);
            }
            headers[header.Name] = new OpenApiHeaderReference(name, document);
        }
        return new OpenApiResponse
        {
            Description = response.Description,
            Headers = headers.Count > 0 ? headers : null,
            Content =
                response.Schema is { } schema
                    ? new Dictionary<string, IOpenApiMediaType>
                    {
                        [response.MediaType] = new OpenApiMediaType { Schema = schema.Resolve(context) },
                    }
                : response.FileMediaTypes.Count > 0
                    ? response.FileMediaTypes.ToDictionary(m => m, m => (IOpenApiMediaType)new OpenApiMediaType())
                : null,
        };
    }

    private static string Status(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
