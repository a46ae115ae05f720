using System.Text.Json;
using Cx.Core.Common;
using Cx.Http.Paging;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Versioning;

/// <summary>
/// The <c>/api/v2</c> list envelope over the same page the v1 handler produced:
/// <c>{"data": [...], "links": {"next": url | null}}</c>, the next page as a URL rather than a
/// cursor to copy into the query. The Link header (rel="next") is the same as in v1.
/// </summary>
public sealed class DataPageResult(PageResult page) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = DocumentResult.JsonContentType;
        var next = page.NextCursor is null ? null : PageRequest.NextLink(httpContext.Request, page.NextCursor);
        if (next is not null)
        {
            response.Headers.Link = $"<{next}>; rel=\"next\"";
        }
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var item in page.Items)
            {
                if (page.Fields is null)
                {
                    writer.WriteRawValue(item.Json.Span, skipInputValidation: true);
                }
                else
                {
                    page.Fields.Write(writer, item.Json.Span);
                }
            }
            writer.WriteEndArray();
            writer.WriteStartObject("links");
            if (next is null)
            {
                writer.WriteNull("next");
            }
            else
            {
                writer.WriteString("next", next);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}
