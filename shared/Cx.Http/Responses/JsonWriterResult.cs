using System.Text.Json;
using Cx.Core.Common;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Responses;

/// <summary>A JSON response written straight to the body by a writer callback (no intermediate objects).</summary>
public sealed class JsonWriterResult(int statusCode, Action<Utf8JsonWriter> write) : IResult
{
    public int StatusCode => statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = DocumentResult.JsonContentType;
        response.Headers.CacheControl = "no-store";
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            write(writer);
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}
