using Cx.Http.OpenApi;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Platform;

/// <summary>HTTP handling of <c>GET /api/{version}/openapi.json</c>: the current document of that version, with an ETag and 304s.</summary>
public sealed class OpenApiEndpoints(OpenApiDocumentProvider provider)
{
    public Task<IResult> GetDocumentAsync(HttpRequest request, CancellationToken cancellationToken) =>
        GetDocumentAsync(request, Versioning.ApiVersions.V1, cancellationToken);

    public async Task<IResult> GetDocumentAsync(HttpRequest request, string version, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var document = await provider.GetAsync(version, cancellationToken);
        return ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new OpenApiDocumentResult(document);
    }

    private sealed class OpenApiDocumentResult(GeneratedOpenApiDocument document) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = DocumentResult.JsonContentType;
            response.ContentLength = document.Json.Length;
            response.Headers.ETag = ETags.Format(document.ETag);
            response.Headers.CacheControl = "no-cache";
            await response.BodyWriter.WriteAsync(document.Json, httpContext.RequestAborted);
        }
    }
}
