using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Http.Problems;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Requests;

/// <summary>
/// Reads a JSON object body with the API's limits: media type, size (413), depth, no
/// duplicate properties, no comments or trailing commas. Errors point at the line and byte.
/// </summary>
public static class RequestBody
{
    public const string Json = "application/json";

    public const string MergePatch = "application/merge-patch+json";

    private static readonly string[] JsonOnly = [Json];
    private static readonly string[] PatchTypes = [MergePatch, Json];

    public static async Task<JsonObject> ReadObjectAsync(
        HttpRequest request,
        HttpOptions options,
        CancellationToken cancellationToken,
        bool mergePatch = false
    )
    {
        CheckMediaType(request, mergePatch ? PatchTypes : JsonOnly);
        if (request.ContentLength > options.MaxBodyBytes)
        {
            throw new PayloadTooLargeException(options.MaxBodyBytes);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(options.MaxBodyBytes + 1, (int)(request.ContentLength ?? 16 * 1024) + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > options.MaxBodyBytes)
                    {
                        throw new PayloadTooLargeException(options.MaxBodyBytes);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, options.MaxBodyBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > options.MaxBodyBytes)
                {
                    throw new PayloadTooLargeException(options.MaxBodyBytes);
                }
            }
            return Parse(buffer.AsSpan(0, length), options.MaxJsonDepth);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static JsonObject Parse(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        if (utf8.IsEmpty || utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MalformedJsonException("A JSON object body is required.");
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(
                utf8,
                new JsonNodeOptions { PropertyNameCaseInsensitive = false },
                new JsonDocumentOptions
                {
                    MaxDepth = maxDepth,
                    AllowDuplicateProperties = false,
                    AllowTrailingCommas = false,
                    CommentHandling = JsonCommentHandling.Disallow,
                }
            );
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
            var reason = ex
                .Message.Split(" LineNumber:", 2)[0]
                .Split(" Path:", 2)[0]
                .Replace(" Change the reader options.", "", StringComparison.Ordinal);
            throw new MalformedJsonException(
                $"The body is not valid JSON{where}: {reason}",
                new FieldError(Core.Content.DefinitionJson.ToPointer(ex.Path), "malformed-json", reason)
            );
        }
        return node as JsonObject ?? throw new MalformedJsonException("The body must be a JSON object.");
    }

    private static void CheckMediaType(HttpRequest request, IReadOnlyList<string> supported)
    {
        var contentType = request.ContentType;
        if (contentType is null)
        {
            throw new UnsupportedMediaTypeException(null, supported);
        }
        var separator = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (separator < 0 ? contentType : contentType[..separator]).Trim();
        if (!supported.Any(s => string.Equals(s, mediaType, StringComparison.OrdinalIgnoreCase)))
        {
            throw new UnsupportedMediaTypeException(contentType, supported);
        }
        if (separator >= 0)
        {
            var parameters = contentType[(separator + 1)..];
            var charset = parameters
                .Split(';')
                .Select(p => p.Trim())
                .FirstOrDefault(p => p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase));
            if (charset is not null && !string.Equals(charset[8..].Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase))
            {
                throw new UnsupportedMediaTypeException(contentType, supported);
            }
        }
    }
}
