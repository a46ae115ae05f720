using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Content;

/// <summary>HTTP handling of content types and components (the schema admin's API).</summary>
public sealed class DefinitionEndpoints(
    ContentTypeRegistry registry,
    IOptions<HttpOptions> options,
    IOptions<ContentOptions> contentOptions
)
{
    public Task<IResult> ListContentTypesAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ListAsync(request, ContentTypeRegistry.ContentTypeDocument, cancellationToken);

    public Task<IResult> ListComponentsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ListAsync(request, ContentTypeRegistry.ComponentDocument, cancellationToken);

    public async Task<IResult> GetContentTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        return Respond(request, (await registry.GetContentTypeAsync(key, cancellationToken)).Document);
    }

    public async Task<IResult> GetComponentAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        return Respond(request, (await registry.GetComponentAsync(key, cancellationToken)).Document);
    }

    public async Task<IResult> CreateContentTypeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var saved = await registry.CreateContentTypeAsync(DefinitionDocuments.FromRequest<ContentType>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, ContentTypeRoutes.Location(saved.Definition.Key));
    }

    public async Task<IResult> ReplaceContentTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var saved = await registry.ReplaceContentTypeAsync(
            key,
            DefinitionDocuments.FromRequest<ContentType>(body),
            ifMatch,
            cancellationToken
        );
        return new DocumentResult(saved.Document);
    }

    public async Task<IResult> DeleteContentTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await registry.DeleteContentTypeAsync(key, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    public async Task<IResult> CreateComponentAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var saved = await registry.CreateComponentAsync(DefinitionDocuments.FromRequest<ComponentDefinition>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, ComponentRoutes.Location(saved.Definition.Key));
    }

    public async Task<IResult> ReplaceComponentAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var saved = await registry.ReplaceComponentAsync(
            key,
            DefinitionDocuments.FromRequest<ComponentDefinition>(body),
            ifMatch,
            cancellationToken
        );
        return new DocumentResult(saved.Document);
    }

    public async Task<IResult> DeleteComponentAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await registry.DeleteComponentAsync(key, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    private async Task<IResult> ListAsync(HttpRequest request, string documentType, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(request, contentOptions.Value, documentType, "Definitions are listed by key; use limit and cursor.");
        var (items, next) = await registry.ListAsync(documentType, page.Limit, page.After, cancellationToken);
        return new PageResult(items, page.NextCursor(next));
    }

    private static IResult Respond(HttpRequest request, StoredDocument document) =>
        ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new DocumentResult(document);
}
