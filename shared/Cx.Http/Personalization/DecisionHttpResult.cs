using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Personalization;
using Cx.Http.Paging;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Personalization;

/// <summary>
/// A decision as HTTP: the answer with an ETag over what was chosen (placement versions, variants,
/// entry versions, reasons; not the decision id), 304 when <c>If-None-Match</c> names it;
/// <c>Cache-Control</c> that lets browsers and CDNs share an anonymous, context-only answer for
/// <see cref="PersonalizationOptions.SharedMaxAgeSeconds"/> and keeps a customer's answer private
/// (revalidated by ETag); <c>Surrogate-Key</c> (space-separated) and <c>Cache-Tag</c>
/// (comma-separated) naming the placements, served entries and matched segments, the tags a
/// purge names.
/// </summary>
public sealed class DecisionHttpResult(DecisionView view, IReadOnlyList<string> tags, string etag, bool shareable, int sharedMaxAge)
    : IResult
{
    public DecisionView View => view;

    public string ETag => etag;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = ETags.Format(etag);
        response.Headers.CacheControl = shareable ? $"public, max-age={sharedMaxAge}" : "private, no-cache";
        response.Headers.Vary = "Authorization, X-Api-Key, Accept-Language, User-Agent";
        response.Headers["Surrogate-Key"] = string.Join(' ', tags);
        response.Headers["Cache-Tag"] = string.Join(',', tags);
        if (ETags.IfNoneMatch(httpContext.Request, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = DocumentResult.JsonContentType;
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            JsonSerializer.Serialize(writer, view, PersonalizationJsonContext.Relaxed.DecisionView);
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    /// <summary>The cache tags of a decision: its placements, the entries served and the segments that matched.</summary>
    public static IReadOnlyList<string> TagsOf(DecisionResult result)
    {
        var tags = new List<string>();
        foreach (var answer in result.Placements)
        {
            tags.Add(PersonalizationTags.Placement(answer.Decision.PlacementKey));
            if (answer.Entry is { } entry)
            {
                tags.Add(PersonalizationTags.Entry(answer.ContentType, entry.Id));
            }
            foreach (var matched in answer.Decision.Matched)
            {
                if (matched.StartsWith("segment:", StringComparison.Ordinal))
                {
                    tags.Add(matched);
                }
            }
        }
        if (result.CustomerId is { } customer)
        {
            tags.Add(PersonalizationTags.Customer(customer));
        }
        return [.. tags.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The ETag of what a decision chose, for whom, with which fields.</summary>
    public static string ETagOf(DecisionResult result, IReadOnlyList<string>? fields)
    {
        var text = new StringBuilder();
        text.Append(result.CustomerId).Append('|').Append(result.AnonymousId).Append('|');
        text.AppendJoin(',', result.Segments).Append('|').AppendJoin(',', fields ?? []);
        foreach (var answer in result.Placements)
        {
            var d = answer.Decision;
            text.Append('\n')
                .Append(d.PlacementKey)
                .Append('@')
                .Append(d.Placement.ETag)
                .Append('|')
                .Append(d.Variant?.Key)
                .Append('|')
                .Append(answer.Entry?.ETag)
                .Append('|')
                .Append(PersonalizationService.Reason(d.Reason))
                .Append('|')
                .Append(d.HeldOut)
                .Append('|')
                .Append(d.Score)
                .Append('|')
                .AppendJoin(',', d.Matched);
        }
        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(text.ToString()));
        return "d-" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
