using System.Text;
using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Cx.Http;
using Cx.Http.Content;
using Cx.Http.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Functions.Tests;

/// <summary>
/// The real Cx.Http handlers and Core services over a mocked document store (Moq), so a
/// function class can be invoked directly and its calls to the port verified.
/// </summary>
public sealed class FunctionTestHost
{
    public FunctionTestHost()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        Store = new Mock<IDocumentStore>(MockBehavior.Strict);
        var definitions = _definitions;
        definitions.AddRange(
            ContentTypeRegistry.BuiltInComponents.Select(c => Definition(c.Key, ContentTypeRegistry.ComponentDocument, c))
        );
        definitions.AddRange(ContentTypeRegistry.BuiltInTypes.Select(t => Definition(t.Key, ContentTypeRegistry.ContentTypeDocument, t)));
        Store
            .Setup(s => s.QueryAsync(Containers.Definitions, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .Returns(
                (string _, DocumentQuery q, CancellationToken _) =>
                    ValueTask.FromResult(new DocumentPage([.. definitions.Where(d => d.Type == q.Type)], null))
            );
        var contentOptions = Options.Create(new ContentOptions());
        Registry = new ContentTypeRegistry(Store.Object, Time, contentOptions, NullLogger<ContentTypeRegistry>.Instance);
        var entries = new EntryService(Registry, Store.Object, Time, contentOptions);
        var httpOptions = Options.Create(new HttpOptions());
        Entries = new EntryEndpoints(entries, Registry, httpOptions);
        Definitions = new DefinitionEndpoints(Registry, new Cx.Http.Definitions.DefinitionHandler(httpOptions, contentOptions));
        System = new SystemEndpoints(Registry, Time);
    }

    private readonly List<StoredDocument> _definitions = [];

    /// <summary>Adds a definition document (a journey, an event type) that definition queries return.</summary>
    public void AddDefinition<T>(string key, string type, T definition)
        where T : class => _definitions.Add(Definition(key, type, definition));

    public FakeTimeProvider Time { get; }

    public Mock<IDocumentStore> Store { get; }

    public ContentTypeRegistry Registry { get; }

    public EntryEndpoints Entries { get; }

    public DefinitionEndpoints Definitions { get; }

    public SystemEndpoints System { get; }

    public static StoredDocument Customer(string id, string json, string etag = "e1") =>
        new(id, id, CustomerProfile.TypeKey, etag, Encoding.UTF8.GetBytes(json));

    public static HttpRequest Request(
        string? body = null,
        string contentType = "application/json",
        string query = "",
        params (string Name, string Value)[] headers
    )
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Request.QueryString = new QueryString(query);
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = contentType;
        }
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    /// <summary>Executes a result against a fresh response and returns status, headers and body.</summary>
    public static async Task<(int Status, IHeaderDictionary Headers, string Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        await context.Response.BodyWriter.FlushAsync();
        return (context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static StoredDocument Definition<T>(string key, string type, T definition)
        where T : class =>
        new(
            key,
            type,
            type,
            "d-" + key,
            DefinitionDocuments.ToJson(definition, key, type, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
        );

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
