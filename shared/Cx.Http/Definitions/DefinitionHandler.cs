using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Definitions;

/// <summary>
/// The HTTP side of every definition document (content types, components, event types,
/// journeys, ...), written once: list by key with <c>limit</c> and <c>cursor</c>; read with
/// ETag and 304; create from the body (201 with its location); replace and delete under
/// <c>If-Match</c>. Writes take no query parameters. The registry decides what a save means.
/// </summary>
public sealed class DefinitionHandler(IOptions<HttpOptions> httpOptions, IOptions<ContentOptions> contentOptions)
{
    public delegate ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> PageReader(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    );

    /// <summary>A page of definitions of <paramref name="documentType"/> in key order.</summary>
    public async Task<IResult> ListAsync(
        HttpRequest request,
        string documentType,
        string hint,
        PageReader read,
        CancellationToken cancellationToken
    )
    {
        var page = PageRequest.Read(request, contentOptions.Value, documentType, hint);
        var (items, next) = await read(page.Limit, page.After, cancellationToken);
        return new PageResult(items, page.NextCursor(next));
    }

    /// <summary>One definition as stored, or 304 when <c>If-None-Match</c> names its ETag.</summary>
    public async Task<IResult> GetAsync<TDefinition>(
        HttpRequest request,
        Func<CancellationToken, ValueTask<DefinitionRecord<TDefinition>>> read,
        CancellationToken cancellationToken
    )
        where TDefinition : class
    {
        QueryParameters.RejectAny(request);
        var document = (await read(cancellationToken)).Document;
        return ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new DocumentResult(document);
    }

    /// <summary>Creates the definition of the body: 201 with the location of its key.</summary>
    public async Task<IResult> CreateAsync<TDefinition>(
        HttpRequest request,
        Func<TDefinition, CancellationToken, Task<DefinitionRecord<TDefinition>>> create,
        Func<TDefinition, string> location,
        CancellationToken cancellationToken
    )
        where TDefinition : class
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await create(DefinitionDocuments.FromRequest<TDefinition>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, location(saved.Definition));
    }

    /// <summary>Replaces the definition the route names with the body, under the request's <c>If-Match</c>.</summary>
    public async Task<IResult> ReplaceAsync<TDefinition>(
        HttpRequest request,
        Func<TDefinition, string?, CancellationToken, Task<DefinitionRecord<TDefinition>>> replace,
        CancellationToken cancellationToken
    )
        where TDefinition : class
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        return new DocumentResult((await replace(DefinitionDocuments.FromRequest<TDefinition>(body), ifMatch, cancellationToken)).Document);
    }

    /// <summary>Deletes the definition the route names, under the request's <c>If-Match</c>: 204.</summary>
    public async Task<IResult> DeleteAsync(
        HttpRequest request,
        Func<string?, CancellationToken, Task> delete,
        CancellationToken cancellationToken
    )
    {
        QueryParameters.RejectAny(request);
        await delete(ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }
}
