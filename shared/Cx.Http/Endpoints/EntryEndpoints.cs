using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Http.Json;
using Cx.Http.Paging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Endpoints;

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
        var fieldNames = ReadFieldsParameter(request);
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
        RejectQuery(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var document = await entries.CreateAsync(typeKey, body, cancellationToken);
        return new DocumentResult(document, StatusCodes.Status201Created, location(document.Id));
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        RejectQuery(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        return new DocumentResult(await entries.ReplaceAsync(typeKey, id, body, ifMatch, cancellationToken));
    }

    public async Task<IResult> PatchAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        RejectQuery(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var patch = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken, mergePatch: true);
        return new DocumentResult(await entries.PatchAsync(typeKey, id, patch, ifMatch, cancellationToken));
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        RejectQuery(request);
        await entries.DeleteAsync(typeKey, id, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    public async Task<IResult> GetSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        var fieldNames = ReadFieldsParameter(request);
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
        RejectQuery(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var (document, created) = await entries.PutSingleAsync(typeKey, body, ifMatch, cancellationToken);
        return created ? new DocumentResult(document, StatusCodes.Status201Created, location(typeKey)) : new DocumentResult(document);
    }

    public async Task<IResult> PatchSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        RejectQuery(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var patch = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken, mergePatch: true);
        return new DocumentResult(await entries.PatchSingleAsync(typeKey, patch, ifMatch, cancellationToken));
    }

    public async Task<IResult> DeleteSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        RejectQuery(request);
        await entries.DeleteSingleAsync(typeKey, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    /// <summary>Reads <c>fields</c>, the only query parameter a single-document read takes.</summary>
    internal static IReadOnlyList<string>? ReadFieldsParameter(HttpRequest request)
    {
        IReadOnlyList<string>? fields = null;
        var errors = new List<FieldError>();
        foreach (var (name, values) in request.Query)
        {
            if (name == "fields" && values.Count == 1)
            {
                fields = (values[0] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            }
            else
            {
                errors.Add(new(name, "unknown-parameter", "Only 'fields' (once) is accepted here.", ErrorLocation.Query));
            }
        }
        return errors.Count > 0 ? throw new ValidationException(errors, "The query string is not valid.") : fields;
    }

    /// <summary>Writes take no query parameters; a stray one is an error rather than silently ignored.</summary>
    internal static void RejectQuery(HttpRequest request)
    {
        if (request.Query.Count > 0)
        {
            throw new ValidationException(
                [
                    .. request.Query.Keys.Select(k => new FieldError(
                        k,
                        "unknown-parameter",
                        "This operation takes no query parameters.",
                        ErrorLocation.Query
                    )),
                ],
                "The query string is not valid."
            );
        }
    }
}
