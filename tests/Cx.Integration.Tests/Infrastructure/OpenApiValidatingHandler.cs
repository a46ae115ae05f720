using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Cx.Integration.Tests.Infrastructure;

/// <summary>A response that breaks the OpenAPI document: the test that received it fails with this.</summary>
public sealed class OpenApiContractException(string message) : Exception(message);

/// <summary>
/// Holds every response of the API client to the OpenAPI document the server publishes for the
/// request's version (<c>/api/v1/openapi.json</c>, <c>/api/v2/openapi.json</c>): the status must be documented for the operation, the content
/// type must be one it lists, the body must match its schema and documented headers must be
/// there. A response that breaks it throws <see cref="OpenApiContractException"/>, so every
/// integration test also tests the document. The document is fetched from the same server
/// (not through this handler) and kept until its ETag changes, so schema changes a test makes
/// (a new field on a content type) are in force for the next response.
/// </summary>
public sealed class OpenApiValidatingHandler : DelegatingHandler
{
    public const string DocumentPath = "/api/v1/openapi.json";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (OpenApiContract Contract, JsonDocument Document, EntityTagHeaderValue? ETag)> _versions = new(
        StringComparer.Ordinal
    );

    /// <summary>The document that describes <paramref name="path"/>: v2's for <c>/api/v2/...</c>, v1's for everything else.</summary>
    public static string DocumentPathFor(string path) =>
        path.StartsWith("/api/v2/", StringComparison.Ordinal) ? "/api/v2/openapi.json" : DocumentPath;

    public OpenApiValidatingHandler() { }

    public OpenApiValidatingHandler(HttpMessageHandler inner)
        : base(inner) { }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var uri = request.RequestUri!;
        var contract = await GetContractAsync(uri, cancellationToken);
        var violations = contract.Check(request.Method.Method, uri.AbsolutePath, response, body);
        if (violations.Count > 0)
        {
            var operation = contract.FindOperation(request.Method.Method, uri.AbsolutePath);
            throw new OpenApiContractException(
                $"{request.Method} {uri.PathAndQuery} answered {(int)response.StatusCode} "
                    + $"({response.Content.Headers.ContentType?.ToString() ?? "no content type"}), which breaks the OpenAPI document"
                    + (operation is null ? "" : $" (operation {operation.OperationId})")
                    + ":\n  - "
                    + string.Join("\n  - ", violations)
                    + "\nBody: "
                    + OpenApiContract.Excerpt(body)
            );
        }
        return response;
    }

    private async Task<OpenApiContract> GetContractAsync(Uri requestUri, CancellationToken cancellationToken)
    {
        var documentPath = DocumentPathFor(requestUri.AbsolutePath);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var known = _versions.TryGetValue(documentPath, out var kept);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(requestUri, documentPath));
            if (known && kept.ETag is not null)
            {
                request.Headers.IfNoneMatch.Add(kept.ETag);
            }
            using var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotModified && known)
            {
                return kept.Contract;
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new OpenApiContractException(
                    $"The OpenAPI document could not be read: GET {documentPath} answered {(int)response.StatusCode}: "
                        + await response.Content.ReadAsStringAsync(cancellationToken)
                );
            }
            var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            if (known)
            {
                kept.Document.Dispose();
            }
            var contract = new OpenApiContract(document.RootElement);
            _versions[documentPath] = (contract, document, response.Headers.ETag);
            return contract;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
            foreach (var kept in _versions.Values)
            {
                kept.Document.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
