using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>A DevHost whose sign-in limit lets one test send every bad form it needs.</summary>
public sealed class BadInputDevHost : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:RateLimits:Auth:Burst"] = "100000", ["Cx:RateLimits:Auth:PerSecond"] = "1000" };
}

/// <summary>
/// Sends input that breaks the contract to every operation of the published OpenAPI document
/// that has a body or a path parameter: strings holding an escaped lone surrogate, bytes that are
/// not UTF-8, properties of the wrong type or unknown, an encoded NUL in the path. Every answer
/// must be a 4xx problem+json that speaks the API's own language (no .NET type names).
/// </summary>
public sealed partial class BadInputContractTests(BadInputDevHost host) : IClassFixture<BadInputDevHost>
{
    private const string Form = "application/x-www-form-urlencoded";

    private static readonly string[] JsonMediaTypes = ["application/json", "application/merge-patch+json"];

    private readonly HttpClient _client = CreateClient(host);

    [GeneratedRegex(@"\.NET|\b(?:System|Microsoft|Cx)\.[A-Z]|   at ", RegexOptions.CultureInvariant)]
    private static partial Regex DotNetNames();

    private static HttpClient CreateClient(BadInputDevHost host)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.IssueToken(Roles.Admin));
        return client;
    }

    [Fact]
    public async Task Should_answer_a_lone_surrogate_in_any_json_string_with_a_problem_on_every_operation()
    {
        var failures = new List<string>();
        foreach (var operation in await OperationsAsync())
        {
            foreach (var mediaType in operation.MediaTypes.Intersect(JsonMediaTypes).Take(1))
            {
                var values = Body(operation, _ => "\"\\ud800\"");
                var names = Encoding.UTF8.GetBytes("{\"\\udc00\":\"x\"}");
                await ExpectProblemAsync(operation, mediaType, values, "a lone surrogate in every property", failures, pointers: true);
                await ExpectProblemAsync(operation, mediaType, names, "a lone surrogate in a property name", failures, pointers: true);
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Should_answer_bytes_that_are_not_utf8_in_a_json_body_with_a_problem_on_every_operation()
    {
        var failures = new List<string>();
        foreach (var operation in await OperationsAsync())
        {
            foreach (var mediaType in operation.MediaTypes.Intersect(JsonMediaTypes).Take(1))
            {
                var body = Body(operation, _ => "\"a\u00ffb\"");
                // Latin-1 ÿ as the single byte 0xFF: not UTF-8.
                var bytes = Encoding.Latin1.GetBytes(Encoding.UTF8.GetString(body));
                await ExpectProblemAsync(
                    operation,
                    mediaType,
                    bytes,
                    "a byte that is not UTF-8 in every property",
                    failures,
                    pointers: true
                );
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Should_name_mistyped_and_unknown_properties_with_their_pointer_in_api_terms_on_every_operation()
    {
        var failures = new List<string>();
        foreach (var operation in await OperationsAsync())
        {
            foreach (var mediaType in operation.MediaTypes.Intersect(JsonMediaTypes).Take(1))
            {
                var mistyped = Body(operation, Mistyped);
                var unknown = Encoding.UTF8.GetBytes("{\"zzUnknownProperty\":{\"nested\":[1]}}");
                await ExpectProblemAsync(operation, mediaType, mistyped, "every property of the wrong type", failures, pointers: true);
                await ExpectProblemAsync(operation, mediaType, unknown, "an unknown property", failures, pointers: true);
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Should_answer_bytes_that_are_not_utf8_in_a_form_body_with_400_on_every_operation()
    {
        var failures = new List<string>();
        var forms = (await OperationsAsync()).Where(o => o.MediaTypes.Contains(Form)).ToList();
        Assert.NotEmpty(forms);
        foreach (var operation in forms)
        {
            var raw = Encoding.Latin1.GetBytes("grant_type=password&username=\u00ff&password=\u00fe&token=\u00ff");
            var escaped = Encoding.ASCII.GetBytes("grant_type=password&username=%FF&password=x&token=%C0%80");
            foreach (var (body, what) in new[] { (raw, "raw bytes"), (escaped, "percent-escaped bytes") })
            {
                var response = await SendAsync(operation, Form, body);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.BadRequest || !IsProblem(response) || !HasPointers(text))
                {
                    failures.Add($"{operation.Id} with {what} that are not UTF-8: {(int)response.StatusCode} {Excerpt(text)}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Should_answer_an_encoded_nul_in_any_path_parameter_with_a_problem()
    {
        var failures = new List<string>();
        var values = await PathValuesAsync();
        foreach (var operation in (await OperationsAsync()).Where(o => o.Path.Contains('{', StringComparison.Ordinal)))
        {
            var parameters = PathParameter().Matches(operation.Path).Select(m => m.Groups[1].Value).ToList();
            foreach (var nul in parameters)
            {
                var path = PathParameter()
                    .Replace(
                        operation.Path,
                        m => m.Groups[1].Value == nul ? "%00" : Uri.EscapeDataString(Value(values, operation, m.Value))
                    )
                    .Replace("/api/v1/", "", StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(operation.Method), path);
                var response = await _client.SendAsync(request);
                await CheckAsync(response, $"{operation.Id} with %00 as {nul}", failures, pointers: false);
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // ---------------------------------------------------------------- helpers

    private sealed record Operation(string Id, string Method, string Path, IReadOnlyList<string> MediaTypes, JsonObject? BodySchema);

    [GeneratedRegex(@"\{([^}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PathParameter();

    private JsonObject? _document;
    private JsonObject? _v2Document;

    private async Task<IReadOnlyList<Operation>> OperationsAsync()
    {
        // Every version's document: the schema components are the same in each, so v1's resolve them.
        _document ??= JsonNode.Parse(await _client.GetStringAsync("openapi.json"))!.AsObject();
        _v2Document ??= JsonNode.Parse(await _client.GetStringAsync("/api/v2/openapi.json"))!.AsObject();
        var operations = new List<Operation>();
        foreach (var (path, item) in _document["paths"]!.AsObject().Concat(_v2Document["paths"]!.AsObject()))
        {
            foreach (var (method, node) in item!.AsObject().Where(p => p.Key is "get" or "put" or "post" or "patch" or "delete"))
            {
                var content = node!["requestBody"]?["content"]?.AsObject();
                var mediaTypes = content?.Select(c => c.Key).ToList() ?? [];
                var schema = content?.Select(c => c.Value!["schema"]?.AsObject()).FirstOrDefault(s => s is not null);
                operations.Add(new(node["operationId"]!.GetValue<string>(), method.ToUpperInvariant(), path, mediaTypes, Resolve(schema)));
            }
        }
        return operations;
    }

    /// <summary>The object schema behind <c>$ref</c>, the first of <c>oneOf</c>/<c>anyOf</c>, or null.</summary>
    private JsonObject? Resolve(JsonObject? schema)
    {
        for (var depth = 0; schema is not null && depth < 8; depth++)
        {
            if (schema["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = _document!["components"]!["schemas"]![reference.Split('/')[^1]]?.AsObject();
            }
            else if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray options)
            {
                schema = options[0]?.AsObject();
            }
            else
            {
                return schema;
            }
        }
        return schema;
    }

    /// <summary>A JSON object with every top-level property of the operation's body set by <paramref name="value"/>.</summary>
    private byte[] Body(Operation operation, Func<JsonObject?, string> value)
    {
        var properties = operation.BodySchema?["properties"]?.AsObject();
        var members = properties is { Count: > 0 }
            ? properties.Select(p => JsonSerializer.Serialize(p.Key) + ":" + value(Resolve(p.Value?.AsObject())))
            : ["\"value\":" + value(null)];
        return Encoding.UTF8.GetBytes("{" + string.Join(",", members) + "}");
    }

    /// <summary>A value of another JSON type than the schema asks for.</summary>
    private static string Mistyped(JsonObject? schema)
    {
        var type = schema?["type"] switch
        {
            JsonValue single => single.GetValue<string>(),
            JsonArray several => several.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
            _ => schema?["properties"] is not null ? "object" : null,
        };
        return type switch
        {
            "string" => "12345",
            "object" => "\"text\"",
            null => "[[true]]",
            _ => "\"text\"",
        };
    }

    private Task<Dictionary<string, string>> PathValuesAsync() => PathValuesAsync(_client);

    /// <summary>A value for each path parameter of the document, of a resource created for the purpose.</summary>
    internal static async Task<Dictionary<string, string>> PathValuesAsync(HttpClient client)
    {
        var suffix = Guid.NewGuid().ToString("n")[..8];
        async Task<JsonObject> CreateAsync(string path, string json) =>
            await (await client.PostAsync(path, HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created)).ReadObjectAsync();
        var customer = await CreateAsync("customers", $$"""{"email":"bad-input-{{suffix}}@example.com"}""");
        await CreateAsync(
            "content-types",
            $$"""{"key":"note-{{suffix}}","displayName":"Note","fields":[{"name":"text","type":"string"}]}"""
        );
        await CreateAsync("content-types", $$"""{"key":"site-{{suffix}}","displayName":"Site","kind":"single","fields":[]}""");
        var entry = await CreateAsync($"content/note-{suffix}", """{"text":"hello"}""");
        await CreateAsync("components", $$"""{"key":"cta-{{suffix}}","displayName":"CTA","fields":[{"name":"label","type":"string"}]}""");
        await CreateAsync("segments", $$$"""{"key":"seg-{{{suffix}}}","name":"S","criteria":{"field":"email","op":"exists"}}""");
        await CreateAsync(
            "journeys",
            $$$"""{"key":"jrn-{{{suffix}}}","displayName":"J","conversionWindow":"P7D","stages":{"awareness":["page_view"],"consideration":["add_to_cart"],"action":["purchase"]}}"""
        );
        var account = await CreateAsync(
            "accounts",
            $$"""{"email":"staff-{{suffix}}@example.com","password":"correct horse battery staple","roles":["support_agent"]}"""
        );
        var key = await CreateAsync("api-keys", """{"name":"bad-input","scopes":["events:write"]}""");
        return new(StringComparer.Ordinal)
        {
            ["customerId"] = customer["id"]!.GetValue<string>(),
            ["typeKey"] = "note-" + suffix,
            ["singleTypeKey"] = "site-" + suffix,
            ["entryId"] = entry["id"]!.GetValue<string>(),
            ["componentKey"] = "cta-" + suffix,
            ["eventType"] = "page_view",
            ["segmentKey"] = "seg-" + suffix,
            ["journeyKey"] = "jrn-" + suffix,
            ["accountId"] = account["id"]!.GetValue<string>(),
            ["keyId"] = key["key"]!["id"]!.GetValue<string>(),
            ["issuerKey"] = "no-such-issuer",
        };
    }

    private static string Value(Dictionary<string, string> values, Operation operation, string placeholder) =>
        Value(values, operation.Path, placeholder);

    /// <summary>The value of one path parameter (<c>{name}</c>) of <paramref name="path"/>, or "x" for one with no resource.</summary>
    internal static string Value(Dictionary<string, string> values, string path, string placeholder)
    {
        var name = placeholder.Trim('{', '}');
        return name == "typeKey" && path.Contains("/singles/", StringComparison.Ordinal) ? values["singleTypeKey"]
            : values.TryGetValue(name, out var value) ? value
            : "x";
    }

    private Dictionary<string, string>? _pathValues;

    private async Task<HttpResponseMessage> SendAsync(Operation operation, string mediaType, byte[] body)
    {
        _pathValues ??= await PathValuesAsync();
        var values = _pathValues;
        var path = PathParameter()
            .Replace(operation.Path, m => Uri.EscapeDataString(Value(values, operation, m.Value)))
            .Replace("/api/v1/", "", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(operation.Method), path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return await _client.SendAsync(request);
    }

    private async Task ExpectProblemAsync(
        Operation operation,
        string mediaType,
        byte[] body,
        string what,
        List<string> failures,
        bool pointers = false
    ) => await CheckAsync(await SendAsync(operation, mediaType, body), $"{operation.Id} with {what}", failures, pointers);

    /// <summary>A 4xx problem+json without .NET names; a 400 names each field it rejects (when <paramref name="pointers"/>).</summary>
    private static async Task CheckAsync(HttpResponseMessage response, string what, List<string> failures, bool pointers)
    {
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        if (status is < 400 or >= 500 || !IsProblem(response))
        {
            failures.Add($"{what}: {status} {response.Content.Headers.ContentType} {Excerpt(text)}");
        }
        else if (DotNetNames().IsMatch(text))
        {
            failures.Add($"{what}: names .NET types: {Excerpt(text)}");
        }
        else if (pointers && status == 400 && !HasPointers(text))
        {
            failures.Add($"{what}: a 400 that locates no field: {Excerpt(text)}");
        }
    }

    private static bool IsProblem(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType == "application/problem+json";

    private static bool HasPointers(string problem) =>
        JsonNode.Parse(problem)?["errors"] is JsonArray { Count: > 0 } errors
        && errors.All(e => e?["pointer"] is not null || e?["parameter"] is not null || e?["header"] is not null);

    private static string Excerpt(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
