using Cx.Core.Common;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Web;

/// <summary>
/// HTTP of the front end: the pages (HTML, revalidated on every load) and their content-hashed
/// assets (cached for a year, immutable: a new build has new names). Anonymous: the pages show
/// only the public contract and call the API with the visitor's own credentials.
/// </summary>
public sealed class WebEndpoints(WebAssets assets)
{
    public const string PageCacheControl = "no-cache";

    public const string AssetCacheControl = "public, max-age=31536000, immutable";

    public IResult GetPage(HttpRequest request, WebPage page)
    {
        QueryParameters.RejectAny(request);
        var file =
            assets.Page(page.Name)
            ?? throw new NotFoundException("Page", page.Name + " (the front end was not built: run `npm run build:web`)");
        return Serve(request, file, PageCacheControl, page.ContentSecurityPolicy);
    }

    public IResult GetAsset(HttpRequest request, string file)
    {
        QueryParameters.RejectAny(request);
        var asset = assets.Asset(file) ?? throw new NotFoundException("Asset", file);
        return Serve(request, asset, AssetCacheControl, null);
    }

    private static IResult Serve(HttpRequest request, WebFile file, string cacheControl, string? contentSecurityPolicy) =>
        new WebFileResult(file, cacheControl, contentSecurityPolicy, ETags.IfNoneMatch(request, file.ETag));

    private sealed record WebFileResult(WebFile File, string CacheControl, string? ContentSecurityPolicy, bool NotModified) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.Headers.ETag = ETags.Format(File.ETag);
            response.Headers.CacheControl = CacheControl;
            if (ContentSecurityPolicy is not null)
            {
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }
            if (NotModified)
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = File.ContentType;
            response.ContentLength = File.Content.Length;
            if (!HttpMethods.IsHead(httpContext.Request.Method))
            {
                await response.BodyWriter.WriteAsync(File.Content, httpContext.RequestAborted);
            }
        }
    }
}
