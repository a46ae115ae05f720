using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Http.Requests;
using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cx.Http.GraphQL;

/// <summary>
/// GraphQL over HTTP (the GraphQL-over-HTTP specification) at <c>/api/v1/graphql</c>, written
/// against GraphQL.NET's executer (the server packages are not used, ADR 0471): <c>POST</c> with an
/// <c>application/json</c> body <c>{query, operationName?, variables?, extensions?}</c>, and
/// <c>GET</c> with the same as query parameters (queries only). A request that is not a GraphQL
/// request (bad JSON, wrong member types, unknown members) is a 400 problem like every REST body; a
/// document that does not parse or validate answers <c>{errors}</c> (400 with
/// <c>application/graphql-response+json</c>, 200 with <c>application/json</c>); field errors answer
/// 200 with the data that could be read. An error never carries an internal message: a Cx error
/// keeps its message and gets its code in <c>extensions.code</c>; anything else is "Internal error".
/// </summary>
public sealed class GraphQLEndpoints(
    GraphQLSchemaProvider schemas,
    IDocumentExecuter executer,
    PersistedQueries persisted,
    IServiceProvider services,
    IOptions<HttpOptions> options,
    IOptions<GraphQLOptions> graphQLOptions,
    Security.RequestRateLimiter rateLimiter
)
{
    public const string GraphQLResponse = "application/graphql-response+json";

    private static readonly string[] Members = ["query", "operationName", "variables", "extensions"];

    private static readonly GraphQLSerializer Serializer = new(
        new ErrorInfoProvider(
            new ErrorInfoProviderOptions
            {
                ExposeCodes = false,
                ExposeExceptionDetails = false,
                ExposeData = true,
            }
        )
    );

    public async Task<IResult> PostAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var (name, _) in body)
        {
            if (!Members.Contains(name))
            {
                errors.Add(
                    new FieldError("/" + name, "unknown-field", "A GraphQL request has query, operationName, variables and extensions.")
                );
            }
        }
        var query = ReadString(body, "query", errors, required: false);
        var operationName = ReadString(body, "operationName", errors, required: false);
        var variables = ReadObject(body, "variables", errors);
        var extensions = ReadObject(body, "extensions", errors);
        if (query is null && !errors.Any(e => e.Path == "/query") && extensions?["persistedQuery"] is null)
        {
            errors.Add(new FieldError("/query", "required", "'query' is required: the GraphQL document (or extensions.persistedQuery)."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The GraphQL request is not valid.");
        }
        return await ExecuteAsync(request, query, operationName, variables, extensions, queryOnly: false, cancellationToken);
    }

    public async Task<IResult> GetAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var parameters = QueryParameters.Read(request, Members);
        var errors = new List<FieldError>();
        var variables = ParseObjectParameter(parameters, "variables", errors);
        var extensions = ParseObjectParameter(parameters, "extensions", errors);
        var query = parameters.GetValueOrDefault("query");
        if (string.IsNullOrEmpty(query) && extensions?["persistedQuery"] is null)
        {
            errors.Add(
                new FieldError("query", "required", "query holds the GraphQL document (or extensions.persistedQuery).", ErrorLocation.Query)
            );
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The GraphQL request is not valid.");
        }
        return await ExecuteAsync(
            request,
            string.IsNullOrEmpty(query) ? null : query,
            parameters.GetValueOrDefault("operationName"),
            variables,
            extensions,
            queryOnly: true,
            cancellationToken
        );
    }

    private async Task<IResult> ExecuteAsync(
        HttpRequest request,
        string? query,
        string? operationName,
        JsonObject? variables,
        JsonObject? extensions,
        bool queryOnly,
        CancellationToken cancellationToken
    )
    {
        var wantsGraphQLResponse = request.Headers.Accept.ToString().Contains(GraphQLResponse, StringComparison.OrdinalIgnoreCase);
        var mediaType = wantsGraphQLResponse ? GraphQLResponse : RequestBody.Json;
        var resolution = persisted.Resolve(query, extensions);
        if (resolution.ErrorCode is not null)
        {
            var refused = new ExecutionResult { Errors = [new ExecutionError(resolution.ErrorMessage!) { Code = resolution.ErrorCode }] };
            return new GraphQLResult(
                refused,
                wantsGraphQLResponse ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK,
                mediaType,
                0
            );
        }
        var limits = graphQLOptions.Value;
        TimeSpan? retryAfter = null;
        var introspectionOnly = IntrospectionDepth.IsIntrospectionOnly(resolution.Query);
        var complexity = new ComplexityOptions
        {
            MaxDepth = introspectionOnly ? Math.Max(limits.MaxDepth, IntrospectionDepth.Limit) : limits.MaxDepth,
            MaxComplexity = introspectionOnly ? null : limits.MaxCost,
            // The cost of a document within the limits is charged to the caller's rate-limit bucket
            // (the gate took 1 for the request): a costly query spends as much as that many requests.
            ValidateComplexityDelegate = async check =>
            {
                if (check.Error is not null || !limits.ChargeCostToRateLimit || introspectionOnly)
                {
                    return;
                }
                var cost = (int)Math.Min(int.MaxValue, Math.Ceiling(check.TotalImpact));
                retryAfter = await rateLimiter.TryChargeMoreAsync(request.HttpContext, cost - 1, cancellationToken);
                if (retryAfter is not null)
                {
                    check.Error = new ValidationError($"The query costs {cost}, more than the caller's rate limit has left.");
                }
            },
        };
        IValidationRule[] rules =
        [
            .. DocumentValidator.CoreRules,
            new ComplexityValidationRule(complexity),
            .. queryOnly ? [QueryOnlyRule.Instance] : Array.Empty<IValidationRule>(),
        ];
        var schema = await schemas.GetAsync(cancellationToken);
        var context = ActivatorUtilities.CreateInstance<GraphQLRequestContext>(services);
        context.Request = request;
        var result = await executer.ExecuteAsync(
            new ExecutionOptions
            {
                Schema = schema,
                Query = resolution.Query,
                OperationName = operationName,
                Variables = variables is null ? null : Serializer.Deserialize<Inputs>(variables.ToJsonString()),
                Extensions = extensions is null ? null : Serializer.Deserialize<Inputs>(extensions.ToJsonString()),
                UserContext = context,
                RequestServices = request.HttpContext.RequestServices,
                CancellationToken = cancellationToken,
                ThrowOnUnhandledException = false,
                UnhandledExceptionDelegate = MapException,
                ValidationRules = rules,
            }
        );
        if (retryAfter is { } wait)
        {
            // Not executed: answered like any rate-limited request (429 problem+json, Retry-After).
            throw new Security.TooManyRequestsException(wait);
        }
        var status = !result.Executed && wantsGraphQLResponse ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        return new GraphQLResult(result, status, mediaType, context.Loader.RoundTrips);
    }

    /// <summary>A Cx error keeps its message and gets its code; any other exception is reported without its message.</summary>
    private static Task MapException(UnhandledExceptionContext context)
    {
        if (context.OriginalException is CxException cx)
        {
            var error = new ExecutionError(cx.Message) { Code = cx.Code.ToUpperInvariant().Replace('-', '_') };
            if (cx is ValidationException validation)
            {
                error.Data["errors"] = validation
                    .Errors.Select(e => new Dictionary<string, object?>
                    {
                        ["argument"] = e.Path,
                        ["code"] = e.Code,
                        ["detail"] = e.Detail,
                    })
                    .ToList();
            }
            context.Exception = error;
        }
        else
        {
            context.Exception = new ExecutionError("Internal error.") { Code = "INTERNAL" };
        }
        return Task.CompletedTask;
    }

    private static string? ReadString(JsonObject body, string name, List<FieldError> errors, bool required)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                errors.Add(new FieldError("/" + name, "required", $"'{name}' is required: the GraphQL document."));
            }
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(new FieldError("/" + name, "type", $"'{name}' is a string."));
            return null;
        }
        return node.GetValue<string>();
    }

    private static JsonObject? ReadObject(JsonObject body, string name, List<FieldError> errors)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }
        if (node is not JsonObject value)
        {
            errors.Add(new FieldError("/" + name, "type", $"'{name}' is an object."));
            return null;
        }
        return value;
    }

    private JsonObject? ParseObjectParameter(Dictionary<string, string> parameters, string name, List<FieldError> errors)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return null;
        }
        try
        {
            if (
                JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = options.Value.MaxJsonDepth }) is JsonObject value
            )
            {
                return value;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }
        errors.Add(new FieldError(name, "type", $"'{name}' is a JSON object.", ErrorLocation.Query));
        return null;
    }
}
