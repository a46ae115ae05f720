using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cx.Integration.Tests.Infrastructure;

/// <summary>An operation of the document that a request matched.</summary>
public sealed record OpenApiOperationMatch(string PathTemplate, string Method, string? OperationId, JsonElement Operation);

/// <summary>
/// An OpenAPI 3.1 document as a contract to hold responses against: finds the operation of a
/// request (path templates, then the method) and lists every way a response breaks it:
/// an undocumented status, another content type, a body that breaks the schema, a body where
/// none is documented, a missing or malformed documented header.
/// </summary>
public sealed class OpenApiContract
{
    private readonly List<(string Template, Regex Pattern, int Literals)> _paths = [];

    public OpenApiContract(JsonElement document)
    {
        Document = document;
        Schemas = new JsonSchemaValidator(document);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            var segments = path.Name.Trim('/').Split('/');
            var pattern = "^/" + string.Join("/", segments.Select(s => s.StartsWith('{') ? "[^/]+" : Regex.Escape(s))) + "$";
            _paths.Add((path.Name, new Regex(pattern, RegexOptions.CultureInvariant), segments.Count(s => !s.StartsWith('{'))));
        }
    }

    public JsonElement Document { get; }

    public JsonSchemaValidator Schemas { get; }

    /// <summary>Every (method, path, operationId) of the document.</summary>
    public IEnumerable<(string Method, string Path, string? OperationId)> Operations()
    {
        foreach (var path in Document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => IsMethod(o.Name)))
            {
                yield return (
                    operation.Name.ToUpperInvariant(),
                    path.Name,
                    operation.Value.TryGetProperty("operationId", out var id) ? id.GetString() : null
                );
            }
        }
    }

    /// <summary>The path template that serves <paramref name="path"/>: the one with the most literal segments.</summary>
    public string? FindPath(string path) =>
        _paths.Where(p => p.Pattern.IsMatch(path)).OrderByDescending(p => p.Literals).Select(p => p.Template).FirstOrDefault();

    public OpenApiOperationMatch? FindOperation(string method, string path)
    {
        var template = FindPath(path);
        if (
            template is null
            || !Document.GetProperty("paths").GetProperty(template).TryGetProperty(method.ToLowerInvariant(), out var operation)
        )
        {
            return null;
        }
        return new(template, method, operation.TryGetProperty("operationId", out var id) ? id.GetString() : null, operation);
    }

    /// <summary>Every way <paramref name="response"/> (whose body is <paramref name="body"/>) breaks the document; empty when it keeps it.</summary>
    public IReadOnlyList<string> Check(string method, string path, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        var status = (int)response.StatusCode;
        var operation = FindOperation(method, path);
        JsonElement responseSpec;
        if (operation is null)
        {
            // No route (404) or no such method on a route (405): the framework answers with a problem.
            var unmatched = FindPath(path) is null ? 404 : 405;
            if (status != unmatched)
            {
                return [$"{method} {path} is not an operation of the document, yet it answered {status}, not {unmatched}."];
            }
            responseSpec = ProblemResponse();
        }
        else if (!TryFindResponse(operation.Operation, status, out responseSpec))
        {
            return [$"the status {status} is not documented for {operation.OperationId} ({method} {operation.PathTemplate})."];
        }
        var violations = new List<string>();
        CheckHeaders(responseSpec, response, violations);
        CheckContent(responseSpec, response, body, violations);
        return violations;
    }

    private bool TryFindResponse(JsonElement operation, int status, out JsonElement response)
    {
        var responses = operation.GetProperty("responses");
        var code = status.ToString(CultureInfo.InvariantCulture);
        if (
            responses.TryGetProperty(code, out response)
            || responses.TryGetProperty(code[0] + "XX", out response)
            || responses.TryGetProperty("default", out response)
        )
        {
            response = Follow(response);
            return true;
        }
        return false;
    }

    /// <summary>What the host answers for a path or method the document does not have.</summary>
    private static JsonElement ProblemResponse() => UnmatchedRoute;

    private static readonly JsonElement UnmatchedRoute = JsonDocument
        .Parse("""{"content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}""")
        .RootElement.Clone();

    private void CheckHeaders(JsonElement responseSpec, HttpResponseMessage response, List<string> violations)
    {
        if (!responseSpec.TryGetProperty("headers", out var headers))
        {
            return;
        }
        foreach (var header in headers.EnumerateObject())
        {
            var spec = Follow(header.Value);
            var value = HeaderValue(response, header.Name);
            if (value is null)
            {
                if (spec.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True)
                {
                    violations.Add($"the required header {header.Name} is missing.");
                }
                continue;
            }
            if (spec.TryGetProperty("schema", out var schema))
            {
                using var text = JsonDocument.Parse(JsonSerializer.Serialize(value));
                violations.AddRange(Schemas.Validate(text.RootElement, schema).Select(e => $"header {header.Name}: {e.Message}"));
            }
        }
    }

    private void CheckContent(JsonElement responseSpec, HttpResponseMessage response, ReadOnlySpan<byte> body, List<string> violations)
    {
        if (!responseSpec.TryGetProperty("content", out var content))
        {
            if (!body.IsEmpty)
            {
                violations.Add($"no body is documented, yet there are {body.Length} bytes.");
            }
            return;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType?.ToLowerInvariant();
        if (mediaType is null || !content.TryGetProperty(mediaType, out var media))
        {
            violations.Add(
                $"the content type is {mediaType ?? "(none)"}, not one of {string.Join(", ", content.EnumerateObject().Select(c => c.Name))}."
            );
            return;
        }
        if (!media.TryGetProperty("schema", out var schema))
        {
            return;
        }
        if (body.IsEmpty)
        {
            violations.Add("a body is documented, yet the response has none.");
            return;
        }
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException ex)
        {
            violations.Add($"the body is not JSON: {ex.Message}");
            return;
        }
        using (parsed)
        {
            violations.AddRange(Schemas.Validate(parsed.RootElement, schema).Select(e => "body " + e));
        }
    }

    /// <summary>Follows a <c>$ref</c> to a shared response or header.</summary>
    private JsonElement Follow(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference)
            ? Follow(Schemas.Resolve(reference.GetString()!))
            : element;

    private static string? HeaderValue(HttpResponseMessage response, string name)
    {
        IEnumerable<string>? values = null;
        if (!response.Headers.TryGetValues(name, out values))
        {
            response.Content.Headers.TryGetValues(name, out values);
        }
        return values is null ? null : string.Join(", ", values);
    }

    private static bool IsMethod(string name) => name is "get" or "put" or "post" or "patch" or "delete" or "head" or "options" or "trace";

    /// <summary>A short excerpt of a body for failure messages.</summary>
    public static string Excerpt(ReadOnlySpan<byte> body, int max = 1500)
    {
        var text = Encoding.UTF8.GetString(body);
        return text.Length > max ? text[..max] + "..." : text;
    }
}
