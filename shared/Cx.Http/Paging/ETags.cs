using Cx.Core.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Cx.Http.Paging;

/// <summary>Entity tags on the wire: quoted strong tags, If-Match (strong) and If-None-Match (weak) checks.</summary>
public static class ETags
{
    public static string Format(string etag) => "\"" + etag + "\"";

    /// <summary>
    /// The tag an <c>If-Match</c> header requires, <c>*</c>, or null when absent. A weak tag can
    /// never satisfy If-Match (RFC 9110 uses strong comparison), so it fails at once.
    /// </summary>
    public static string? ReadIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return null;
        }
        var text = header.ToString().Trim();
        if (text == "*")
        {
            return "*";
        }
        if (!EntityTagHeaderValue.TryParseList(header, out var tags) || tags.Count != 1)
        {
            throw new ValidationException(
                new FieldError(
                    "If-Match",
                    "etag",
                    "If-Match takes one entity tag in quotes, such as \"a1b2c3\", or *.",
                    ErrorLocation.Header
                )
            );
        }
        var tag = tags[0];
        if (tag.IsWeak)
        {
            throw new PreconditionFailedException("A weak entity tag never satisfies If-Match.");
        }
        return tag.Tag.ToString().Trim('"');
    }

    /// <summary>True when <c>If-None-Match</c> names <paramref name="etag"/> (weak comparison) or is <c>*</c>.</summary>
    public static bool IfNoneMatch(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0)
        {
            return false;
        }
        if (header.ToString().Trim() == "*")
        {
            return true;
        }
        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }
        foreach (var tag in tags)
        {
            if (tag.Tag.AsSpan().Trim('"').SequenceEqual(etag))
            {
                return true;
            }
        }
        return false;
    }
}
