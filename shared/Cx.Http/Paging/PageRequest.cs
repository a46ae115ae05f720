using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Paging;

/// <summary>
/// A list read in a fixed order (definitions by key, accounts, members, the audit log): only
/// <c>limit</c> and <c>cursor</c> (and <c>filter[...]</c> where allowed), the limit within
/// <see cref="ContentOptions.MaxPageSize"/>, the cursor tied to <paramref name="Scope"/> and the query.
/// </summary>
public sealed record PageRequest(int Limit, Keyset? After, ListParameters Parameters, string Scope)
{
    /// <param name="hint">What to say when the query asks for a sort or a field selection.</param>
    public static PageRequest Read(
        HttpRequest request,
        ContentOptions options,
        string scope,
        string hint = "Use limit and cursor.",
        bool allowFilters = false
    )
    {
        var parameters = ListParameters.Parse(request.Query, allowFilters);
        if (parameters.Fields is not null || parameters.Sort.Count > 0)
        {
            throw new ValidationException(
                new FieldError(parameters.Fields is not null ? "fields" : "sort", "unknown-parameter", hint, ErrorLocation.Query)
            );
        }
        return new(CheckLimit(parameters.Limit, options), parameters.DecodeCursor(scope), parameters, scope);
    }

    /// <summary>The requested page size, or the default; 400 outside 1..<see cref="ContentOptions.MaxPageSize"/>.</summary>
    public static int CheckLimit(int? requested, ContentOptions options)
    {
        var limit = requested ?? options.DefaultPageSize;
        return limit >= 1 && limit <= options.MaxPageSize
            ? limit
            : throw new ValidationException(
                new FieldError("limit", "range", $"limit is between 1 and {options.MaxPageSize}.", ErrorLocation.Query)
            );
    }

    /// <summary>The cursor of the page after <paramref name="next"/>, or null on the last page.</summary>
    public string? NextCursor(Keyset? next) => next is null ? null : CursorCodec.Encode(next, Parameters.FingerprintFor(Scope));

    /// <summary>The URL of the next page: this request's path and query with <paramref name="cursor"/> in place of its cursor.</summary>
    public static string NextLink(HttpRequest request, string cursor)
    {
        var query = request
            .Query.Where(q => q.Key != "cursor")
            .Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString()))
            .Append("cursor=" + Uri.EscapeDataString(cursor));
        return request.PathBase + request.Path + "?" + string.Join("&", query);
    }
}
