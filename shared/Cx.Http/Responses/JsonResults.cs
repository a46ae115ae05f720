using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Http.Paging;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Responses;

/// <summary>
/// A stored document as the response: its UTF-8 JSON is written as stored (no parse, no
/// re-serialisation) unless a field selection asks for a subset. Sets the ETag.
/// </summary>
public sealed class DocumentResult(
    StoredDocument document,
    int statusCode = StatusCodes.Status200OK,
    string? location = null,
    FieldSelection? fields = null
) : IResult
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public StoredDocument Document => document;

    public int StatusCode => statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = JsonContentType;
        response.Headers.ETag = ETags.Format(document.ETag);
        if (location is not null)
        {
            response.Headers.Location = location;
        }
        if (fields is null)
        {
            response.ContentLength = document.Json.Length;
            await response.BodyWriter.WriteAsync(document.Json, httpContext.RequestAborted);
            return;
        }
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            fields.Write(writer, document.Json.Span);
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>A page of records as a serializer contract: <c>{"items": [...], "nextCursor": ...}</c>.</summary>
public sealed record ItemsPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>A page of documents: <c>{"items": [...], "nextCursor": "..."}</c> plus a <c>Link: rel="next"</c> header.</summary>
public sealed class PageResult(IReadOnlyList<StoredDocument> items, string? nextCursor, FieldSelection? fields = null) : IResult
{
    public IReadOnlyList<StoredDocument> Items => items;

    public string? NextCursor => nextCursor;

    public FieldSelection? Fields => fields;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = DocumentResult.JsonContentType;
        if (nextCursor is not null)
        {
            response.Headers.Link = $"<{PageRequest.NextLink(httpContext.Request, nextCursor)}>; rel=\"next\"";
        }
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                if (fields is null)
                {
                    writer.WriteRawValue(item.Json.Span, skipInputValidation: true);
                }
                else
                {
                    fields.Write(writer, item.Json.Span);
                }
            }
            writer.WriteEndArray();
            if (nextCursor is null)
            {
                writer.WriteNull("nextCursor");
            }
            else
            {
                writer.WriteString("nextCursor", nextCursor);
            }
            writer.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>304 Not Modified with the current ETag.</summary>
public sealed class NotModifiedResult(string etag) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
        httpContext.Response.Headers.ETag = ETags.Format(etag);
        return Task.CompletedTask;
    }
}

/// <summary>204 No Content.</summary>
public sealed class NoContentResult : IResult
{
    public static NoContentResult Instance { get; } = new();

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}

/// <summary>Serialized JSON with an ETag and a status.</summary>
public sealed class JsonWithETagResult(byte[] json, string etag, int statusCode = StatusCodes.Status200OK) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = DocumentResult.JsonContentType;
        response.Headers.ETag = ETags.Format(etag);
        response.ContentLength = json.Length;
        await response.BodyWriter.WriteAsync(json, httpContext.RequestAborted);
    }
}
