using Microsoft.AspNetCore.Http;

namespace Cx.Http.Security;

/// <summary>Headers every API response carries: no sniffing, no framing, no referrers, nothing to execute.</summary>
public static class SecurityHeaders
{
    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        if (response.HttpContext.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
    }
}
