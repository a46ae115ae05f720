using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Content;

/// <summary>
/// HTTP handling of content entries (customers are entries of the <c>customer</c> type):
/// reads the request, calls <see cref="EntryService"/>, shapes the response. Function
/// classes call one method here and hold no logic of their own.
/// </summary>
public sealed class EntryEndpoints(EntryService entries, ContentTypeRegistry registry, IOptions<HttpOptions> options)
{
    /// <summary>
    /// Customer-scoped types (stored in the customers container) are served only by their own
    /// routes, whose access rules protect each customer's data; the generic content routes refuse them.
    /// </summary>
    /// <remarks>
    /// A type with a <see cref="ContentType.ReadPermission"/> (journey reports: analytics:read) is
    /// served only to callers holding it as well (403 otherwise), so content:read alone, which
    /// customers hold, never reaches analytics.
    /// </remarks>
    public async Task EnsureContentRouteAsync(string typeKey, CancellationToken cancellationToken)
    {
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        if (schema.Container == Cx.Core.Documents.Containers.Customers)
        {
            throw new ConflictException("customer-scoped", $"'{typeKey}' holds customer data; use its own routes (/api/v1/customers).");
        }
        if (schema.Type.ReadPermission is { } permission && !CurrentActor.Get().Has(permission))
        {
            throw new ForbiddenException($"Entries of '{typeKey}' need the {permission} permission.");
        }
    }

    public async Task<IResult> ListAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        var parameters = ListParameters.Parse(request.Query);
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        var fields = FieldSelection.Parse(parameters.Fields, schema);
        var (_, page) = await entries.ListAsync(typeKey, parameters.ToEntryRequest(typeKey), cancellationToken);
        var next = page.Next is null ? null : CursorCodec.Encode(page.Next, parameters.FingerprintFor(typeKey));
        return new PageResult(page.Items, next, fields);
    }

    public async Task<IResult> GetAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        var fieldNames = QueryParameters.ReadFields(request);
        var document = await entries.GetAsync(typeKey, id, cancellationToken);
        if (ETags.IfNoneMatch(request, document.ETag))
        {
            return new NotModifiedResult(document.ETag);
        }
        var fields = fieldNames is null
            ? null
            : FieldSelection.Parse(fieldNames, await registry.GetSchemaAsync(typeKey, cancellationToken));
        return new DocumentResult(document, fields: fields);
    }

    public async Task<IResult> CreateAsync(
        HttpRequest request,
        string typeKey,
        Func<string, string> location,
        CancellationToken cancellationToken
    )
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var document = await entries.CreateAsync(typeKey, body, cancellationToken);
        return new DocumentResult(document, StatusCodes.Status201Created, location(document.Id));
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        return new DocumentResult(await entries.ReplaceAsync(typeKey, id, body, ifMatch, cancellationToken));
    }

    public async Task<IResult> PatchAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var patch = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken, mergePatch: true);
        return new DocumentResult(await entries.PatchAsync(typeKey, id, patch, ifMatch, cancellationToken));
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await entries.DeleteAsync(typeKey, id, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    public async Task<IResult> GetSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        var fieldNames = QueryParameters.ReadFields(request);
        var document = await entries.GetSingleAsync(typeKey, cancellationToken);
        if (ETags.IfNoneMatch(request, document.ETag))
        {
            return new NotModifiedResult(document.ETag);
        }
        var fields = fieldNames is null
            ? null
            : FieldSelection.Parse(fieldNames, await registry.GetSchemaAsync(typeKey, cancellationToken));
        return new DocumentResult(document, fields: fields);
    }

    public async Task<IResult> PutSingleAsync(
        HttpRequest request,
        string typeKey,
        Func<string, string> location,
        CancellationToken cancellationToken
    )
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var (document, created) = await entries.PutSingleAsync(typeKey, body, ifMatch, cancellationToken);
        return created ? new DocumentResult(document, StatusCodes.Status201Created, location(typeKey)) : new DocumentResult(document);
    }

    public async Task<IResult> PatchSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var patch = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken, mergePatch: true);
        return new DocumentResult(await entries.PatchSingleAsync(typeKey, patch, ifMatch, cancellationToken));
    }

    public async Task<IResult> DeleteSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await entries.DeleteSingleAsync(typeKey, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }
}
