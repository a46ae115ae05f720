using System.Collections.Frozen;
using System.Globalization;
using Cx.Http.OpenApi;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Versioning;

/// <summary>
/// The deprecation of one operation, declared once on its <see cref="ApiOperation"/>: since when it
/// is deprecated, when it stops answering, and the route that replaces it. Both hosts add the
/// headers to every answer of the operation: <c>Deprecation: @unix-seconds</c> (RFC 9745),
/// <c>Sunset: HTTP-date</c> (RFC 8594) and <c>Link: &lt;successor&gt;; rel="successor-version"</c>.
/// </summary>
public sealed record ApiDeprecation(DateTimeOffset Since, DateTimeOffset Sunset, string SuccessorRoute)
{
    private static readonly Lazy<FrozenDictionary<string, ApiDeprecation>> ByOperation = new(() =>
        ApiCatalog
            .Discover()
            .Operations.Where(o => o.Deprecation is not null)
            .ToFrozenDictionary(o => o.OperationId, o => o.Deprecation!, StringComparer.Ordinal)
    );

    /// <summary>The deprecation declared for the function <paramref name="operationId"/>, if any.</summary>
    public static ApiDeprecation? For(string operationId) => ByOperation.Value.GetValueOrDefault(operationId);

    /// <summary>The <c>Deprecation</c> header value: <c>@</c> and the Unix time in seconds.</summary>
    public string DeprecationHeader => "@" + Since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The <c>Sunset</c> header value: an IMF-fixdate.</summary>
    public string SunsetHeader => Sunset.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);

    public string SuccessorLink => $"<{ApiRoutes.Path(SuccessorRoute)}>; rel=\"successor-version\"";

    /// <summary>
    /// Adds the three headers as the response starts, so a handler that sets its own <c>Link</c>
    /// (rel="next") or clears the headers for a problem answer cannot drop them.
    /// </summary>
    public void Apply(HttpResponse response) =>
        response.OnStarting(() =>
        {
            response.Headers["Deprecation"] = DeprecationHeader;
            response.Headers["Sunset"] = SunsetHeader;
            // One Link field, the handler's links first: clients that read the first link keep working.
            var links = response.Headers.Link;
            response.Headers.Link = links.Count == 0 ? SuccessorLink : string.Join(", ", links.Append(SuccessorLink));
            return Task.CompletedTask;
        });

    /// <summary>The sentence the OpenAPI description adds.</summary>
    public string Describe() =>
        $"Deprecated since {Since.UtcDateTime:yyyy-MM-dd}; its answers are unchanged until the sunset on {Sunset.UtcDateTime:yyyy-MM-dd}. Use {ApiRoutes.Path(SuccessorRoute)}.";
}
