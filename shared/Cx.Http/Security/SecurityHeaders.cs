using Microsoft.AspNetCore.Http;

namespace Cx.Http.Security;

/// <summary>Headers every API response carries: no sniffing, no framing, no referrers, nothing to execute.</summary>
public static class SecurityHeaders
{
    /// <summary>Headers browsers may read from cross-origin responses (the platform's CORS may not add them).</summary>
    public const string ExposedHeaders = "ETag, Location, Link, Retry-After";

    public static void Apply(HttpResponse response, bool trustForwardedProto = false)
    {
        var headers = response.Headers;
        var request = response.HttpContext.Request;
        if (request.Headers.Origin.Count > 0 && !headers.ContainsKey("Access-Control-Expose-Headers"))
        {
            headers.AccessControlExposeHeaders = ExposedHeaders;
        }
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        var https =
            request.IsHttps
            || (trustForwardedProto && string.Equals(request.Headers["X-Forwarded-Proto"], "https", StringComparison.OrdinalIgnoreCase));
        if (https)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
    }
}
