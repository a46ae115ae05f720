using System.Text.Json;
using Cx.DevHost;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>Every HTTP function is documented, once, under its own name; nothing else is.</summary>
public sealed class FunctionCoverageTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    /// <summary>The documents of every version together: each function is in exactly one of them.</summary>
    private async Task<OpenApiDocuments> ReadDocumentAsync()
    {
        var operations = new List<(string Method, string Path, string? OperationId)>();
        foreach (var version in Cx.Http.Versioning.ApiVersions.All)
        {
            var response = await _client.GetAsync($"/api/{version}/openapi.json");
            response.EnsureSuccessStatusCode();
            operations.AddRange(
                new OpenApiContract(JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement).Operations()
            );
        }
        return new OpenApiDocuments(operations);
    }

    private sealed record OpenApiDocuments(List<(string Method, string Path, string? OperationId)> All)
    {
        public IEnumerable<(string Method, string Path, string? OperationId)> Operations() => All;
    }

    [Fact]
    public async Task Should_document_every_http_function_once_under_its_name_when_the_document_is_served()
    {
        var functions = FunctionCoverage.LoadFunctions();
        var document = await ReadDocumentAsync();
        Assert.Equal(document.All.Count, document.All.Distinct().Count());

        var problems = FunctionCoverage.Compare(functions, document.Operations(), FunctionCoverage.LoadRoutePrefix());

        Assert.True(problems.Count == 0, "functions.metadata and the OpenAPI document disagree:\n" + string.Join("\n", problems));
        Assert.Contains(functions, f => f.Name == "GetOpenApiDocument" && f.Http is not null);
    }

    [Fact]
    public async Task Should_report_a_function_when_it_is_missing_from_the_document()
    {
        var document = await ReadDocumentAsync();
        FunctionDescriptor undocumented = new(
            "TrackWidgets",
            "Cx.Functions.Widgets.WidgetFunctions.TrackWidgets",
            "httpTrigger",
            new HttpTriggerBinding("v1/widgets", ["POST"]),
            null
        );

        var problems = FunctionCoverage.Compare([.. FunctionCoverage.LoadFunctions(), undocumented], document.Operations(), "api");

        var problem = Assert.Single(problems);
        Assert.Contains("TrackWidgets (POST /api/v1/widgets) has no operation", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_report_an_operation_when_no_function_serves_it()
    {
        var document = await ReadDocumentAsync();
        var functions = FunctionCoverage.LoadFunctions().Where(f => f.Name != "Health");

        var problems = FunctionCoverage.Compare(functions, document.Operations(), "api");

        var problem = Assert.Single(problems);
        Assert.Contains("Health (GET /api/v1/health), but no function serves it", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_report_an_operation_id_when_it_differs_from_the_function_name()
    {
        FunctionDescriptor function = new(
            "GetWidget",
            "X.Y.GetWidget",
            "httpTrigger",
            new HttpTriggerBinding("v1/widgets/{id:int}", ["GET"]),
            null
        );

        var problems = FunctionCoverage.Compare([function], [("GET", "/api/v1/widgets/{id}", "ReadWidget")], "api");

        Assert.Contains(problems, p => p.Contains("operationId 'ReadWidget', but the function is GetWidget", StringComparison.Ordinal));
    }
}

/// <summary>What the document says about credentials matches what each function enforces.</summary>
public sealed class SecurityDocumentationTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    [Fact]
    public async Task Should_mark_exactly_the_anonymous_functions_as_needing_no_credentials()
    {
        var anonymousInDocument = new SortedSet<string>(StringComparer.Ordinal);
        var securedInDocument = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var version in Cx.Http.Versioning.ApiVersions.All)
        {
            var response = await host.CreateAnonymousClient().GetAsync($"/api/{version}/openapi.json");
            response.EnsureSuccessStatusCode();
            var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;
            Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
            Collect(document, anonymousInDocument, securedInDocument);
        }

        var anonymousFunctions = typeof(Cx.Functions.ProblemDetailsMiddleware)
            .Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m =>
                System.Reflection.CustomAttributeExtensions.GetCustomAttribute<Cx.Http.Security.AccessAttribute>(m)?.Permission
                == Cx.Http.Security.AccessAttribute.Anonymous
            )
            .Select(m =>
                System.Reflection.CustomAttributeExtensions.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>(m)!.Name
            );
        Assert.Equal(new SortedSet<string>(anonymousFunctions, StringComparer.Ordinal), anonymousInDocument);
        Assert.NotEmpty(securedInDocument);
    }

    private static void Collect(JsonElement document, SortedSet<string> anonymousInDocument, SortedSet<string> securedInDocument)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var id = operation.Value.GetProperty("operationId").GetString()!;
                var open = operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
                (open ? anonymousInDocument : securedInDocument).Add(id);
                var responses = operation.Value.GetProperty("responses");
                Assert.True(responses.TryGetProperty("429", out _), $"{id} does not document 429.");
                // Inbound webhooks carry no token but a vendor's signature: a bad one is a documented 401.
                Assert.Equal(!open || id == "ReceiveInboundWebhook", responses.TryGetProperty("401", out _));
            }
        }
    }
}
