using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Http.Paging;

/// <summary>
/// Opaque cursors: base64url of <c>{"v":1,"q":fingerprint,"k":[sort values],"i":last id}</c>.
/// The fingerprint ties a cursor to the query (type, filters, sort) that produced it, so a
/// cursor replayed against another query is rejected instead of returning a wrong page.
/// </summary>
public static class CursorCodec
{
    private const int Version = 1;
    private const int MaxLength = 4096;

    public static string Encode(Keyset keyset, string fingerprint)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", Version);
            writer.WriteString("q", fingerprint);
            writer.WriteStartArray("k");
            foreach (var value in keyset.Values)
            {
                value.WriteTo(writer);
            }
            writer.WriteEndArray();
            writer.WriteString("i", keyset.Id);
            writer.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    public static Keyset Decode(string cursor, string fingerprint)
    {
        if (cursor.Length is 0 or > MaxLength)
        {
            throw Invalid("The cursor is empty or too long.");
        }
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            throw Invalid("The cursor is not one this API issued.");
        }
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (
                root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("v", out var v)
                || v.ValueKind != JsonValueKind.Number
                || v.GetInt32() != Version
                || !root.TryGetProperty("q", out var q)
                || q.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("k", out var k)
                || k.ValueKind != JsonValueKind.Array
                || !root.TryGetProperty("i", out var i)
                || i.ValueKind != JsonValueKind.String
            )
            {
                throw Invalid("The cursor is not one this API issued.");
            }
            if (q.GetString() != fingerprint)
            {
                throw Invalid("The cursor belongs to a different query; keep the same filters and sort while paging.");
            }
            var values = new List<ScalarValue>();
            foreach (var element in k.EnumerateArray())
            {
                if (!ScalarValue.TryFrom(element, out var value))
                {
                    throw Invalid("The cursor is not one this API issued.");
                }
                values.Add(value);
            }
            var id = i.GetString()!;
            if (!Ids.IsValidClientId(id))
            {
                throw Invalid("The cursor is not one this API issued.");
            }
            return new Keyset(values, id);
        }
        catch (JsonException)
        {
            throw Invalid("The cursor is not one this API issued.");
        }
        catch (FormatException)
        {
            throw Invalid("The cursor is not one this API issued.");
        }
        catch (InvalidOperationException)
        {
            throw Invalid("The cursor is not one this API issued.");
        }
    }

    /// <summary>A short hash of everything that defines the result order and set.</summary>
    public static string Fingerprint(string scope, IEnumerable<string> parts)
    {
        var text = scope + "\n" + string.Join("\n", parts);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Base64Url.EncodeToString(hash[..9]);
    }

    private static ValidationException Invalid(string detail) =>
        new(new FieldError("cursor", "invalid-cursor", detail, ErrorLocation.Query), "The cursor is not valid.");
}
