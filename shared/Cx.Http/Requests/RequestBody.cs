using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Http.Problems;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Requests;

/// <summary>
/// The one reader of request bodies. It checks the media type (UTF-8 only), reads the body into
/// a buffer rented from the shared array pool within a size limit (413 beyond it, whether the
/// length is declared or the body is chunked), and parses JSON with the API's rules: depth, no
/// duplicate properties, no comments or trailing commas, every string Unicode text (no bytes that
/// are not UTF-8, no escaped lone surrogates: <see cref="JsonText"/>); errors point at the line and
/// byte, or at the string.
/// </summary>
/// <remarks>
/// The event capture route parses the pooled bytes in place (<see cref="ParseDocument(ReadOnlyMemory{byte}, int)"/>, no
/// copy: the hottest path); other routes take a <see cref="JsonObject"/> (<see cref="ReadObjectAsync"/>).
/// </remarks>
public static class RequestBody
{
    public const string Json = "application/json";

    public const string MergePatch = "application/merge-patch+json";

    public const string Form = "application/x-www-form-urlencoded";

    private const int InitialChunkedBuffer = 16 * 1024;

    private static readonly string[] JsonOnly = [Json];
    private static readonly string[] PatchTypes = [MergePatch, Json];

    /// <summary>
    /// The body in a pooled buffer, at most <paramref name="limit"/> bytes (413 beyond it). Dispose
    /// the result to give the buffer back, after anything that reads it (a <see cref="JsonDocument"/>).
    /// </summary>
    public static async ValueTask<PooledBody> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw new PayloadTooLargeException(limit);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, (int)(request.ContentLength ?? InitialChunkedBuffer) + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return new PooledBody(buffer, length);
                }
                length += read;
                if (length > limit)
                {
                    throw new PayloadTooLargeException(limit);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Reads a JSON object body within <see cref="HttpOptions.MaxBodyBytes"/>; PATCH also takes merge-patch.</summary>
    public static async Task<JsonObject> ReadObjectAsync(
        HttpRequest request,
        HttpOptions options,
        CancellationToken cancellationToken,
        bool mergePatch = false
    )
    {
        CheckMediaType(request, mergePatch ? PatchTypes : JsonOnly);
        using var body = await ReadAsync(request, options.MaxBodyBytes, cancellationToken);
        return Parse(body.Span, options.MaxJsonDepth);
    }

    /// <summary>
    /// Reads a JSON object body and hands its root to <paramref name="read"/> (a typed contract such
    /// as <c>DefinitionJson.Deserialize</c>) while the pooled buffer is still held.
    /// </summary>
    public static async Task<T> ReadObjectAsync<T>(
        HttpRequest request,
        HttpOptions options,
        Func<JsonElement, T> read,
        CancellationToken cancellationToken,
        bool mergePatch = false
    )
    {
        CheckMediaType(request, mergePatch ? PatchTypes : JsonOnly);
        using var body = await ReadAsync(request, options.MaxBodyBytes, cancellationToken);
        using var document = ParseDocument(body.Memory, options.MaxJsonDepth, "A JSON object body is required.");
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? read(document.RootElement)
            : throw new MalformedJsonException("The body must be a JSON object.");
    }

    /// <summary>A JSON object; anything else (an array, a scalar, no body) is a 400.</summary>
    public static JsonObject Parse(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MalformedJsonException("A JSON object body is required.");
        }
        JsonText.CheckStrings(utf8, maxDepth);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8, new JsonNodeOptions { PropertyNameCaseInsensitive = false }, DocumentOptions(maxDepth));
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        return node as JsonObject ?? throw new MalformedJsonException("The body must be a JSON object.");
    }

    /// <summary>
    /// Any JSON value, parsed over <paramref name="utf8"/> without copying it: the document reads the
    /// caller's (pooled) memory, so dispose the document before the memory goes back.
    /// </summary>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, int maxDepth) =>
        ParseDocument(utf8, maxDepth, "A JSON body is required.");

    private static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, int maxDepth, string required)
    {
        if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MalformedJsonException(required);
        }
        JsonText.CheckStrings(utf8.Span, maxDepth);
        try
        {
            return JsonDocument.Parse(utf8, DocumentOptions(maxDepth));
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
    }

    /// <summary>
    /// 415 unless the Content-Type is one of <paramref name="supported"/> (case-insensitive) with
    /// no charset or UTF-8. Reads the header without allocating: the capture route calls it per request.
    /// </summary>
    public static void CheckMediaType(HttpRequest request, IReadOnlyList<string> supported)
    {
        var contentType = request.ContentType;
        if (contentType is null)
        {
            throw new UnsupportedMediaTypeException(null, supported);
        }
        var text = contentType.AsSpan();
        var separator = text.IndexOf(';');
        var mediaType = (separator < 0 ? text : text[..separator]).Trim();
        var known = false;
        foreach (var candidate in supported)
        {
            known |= mediaType.Equals(candidate, StringComparison.OrdinalIgnoreCase);
        }
        var parameters = separator < 0 ? [] : text[(separator + 1)..];
        while (known && !parameters.IsEmpty)
        {
            var end = parameters.IndexOf(';');
            var parameter = (end < 0 ? parameters : parameters[..end]).Trim();
            parameters = end < 0 ? [] : parameters[(end + 1)..];
            if (parameter.StartsWith("charset=", StringComparison.OrdinalIgnoreCase))
            {
                known = parameter[8..].Trim().Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase);
            }
        }
        if (!known)
        {
            throw new UnsupportedMediaTypeException(contentType, supported);
        }
    }

    private static JsonDocumentOptions DocumentOptions(int maxDepth) =>
        new()
        {
            MaxDepth = maxDepth,
            AllowDuplicateProperties = false,
            AllowTrailingCommas = false,
            CommentHandling = JsonCommentHandling.Disallow,
        };

    /// <summary>The reader's error as a 400 that says where the JSON breaks, without the reader's own jargon.</summary>
    private static MalformedJsonException Malformed(JsonException ex)
    {
        var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
        var reason = ex
            .Message.Split(" LineNumber:", 2)[0]
            .Split(" Path:", 2)[0]
            .Replace(" Change the reader options.", "", StringComparison.Ordinal);
        return new MalformedJsonException(
            $"The body is not valid JSON{where}: {reason}",
            new FieldError(Core.Content.DefinitionJson.ToPointer(ex.Path), "malformed-json", reason)
        );
    }
}

/// <summary>A request body in a buffer rented from the shared array pool; disposing gives the buffer back.</summary>
public readonly struct PooledBody(byte[] buffer, int length) : IDisposable
{
    public int Length => length;

    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
}
