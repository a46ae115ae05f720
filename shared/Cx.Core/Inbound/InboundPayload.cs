using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;

namespace Cx.Core.Inbound;

/// <summary>Reading a vendor's payload: JSON Pointers (RFC 6901), scalar values, times, and the HMAC check.</summary>
public static class InboundPayload
{
    public static bool IsValidPointer(string pointer)
    {
        for (var i = 0; i < pointer.Length; i++)
        {
            if (pointer[i] == '~' && (i + 1 >= pointer.Length || pointer[i + 1] is not ('0' or '1')))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The element at <paramref name="pointer"/>, or null when there is none.</summary>
    public static JsonElement? Resolve(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object)
            {
                if (!current.TryGetProperty(token, out current))
                {
                    return null;
                }
            }
            else if (
                current.ValueKind == JsonValueKind.Array
                && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < current.GetArrayLength()
            )
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>A scalar at the pointer as text (numbers as written, booleans as true/false); null for nothing, null, objects, arrays and "".</summary>
    public static string? Text(JsonElement root, string? pointer)
    {
        if (pointer is null || Resolve(root, pointer) is not { } element)
        {
            return null;
        }
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <summary>A time as an RFC 3339 string or Unix seconds (milliseconds when that large).</summary>
    public static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (Instants.TryParse(text, out var instant))
        {
            return instant;
        }
        if (
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            && text.Contains('T')
        )
        {
            return parsed;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            return number > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(number) : DateTimeOffset.FromUnixTimeSeconds(number);
        }
        return null;
    }

    /// <summary>Whether <paramref name="header"/> holds the HMAC of the signed text under <paramref name="secret"/>.</summary>
    public static bool Verify(InboundSignature signature, string secret, string? header, string? timestamp, ReadOnlySpan<byte> body)
    {
        if (header is null)
        {
            return false;
        }
        var text = header.Trim();
        if (signature.Prefix is { Length: > 0 } prefix)
        {
            if (!text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            text = text[prefix.Length..];
        }
        byte[] given;
        try
        {
            given = signature.Encoding == "base64" ? Convert.FromBase64String(text) : Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return false;
        }
        var key = Encoding.UTF8.GetBytes(secret);
        var prefixBytes = timestamp is null ? [] : Encoding.UTF8.GetBytes(timestamp);
        var data = new byte[prefixBytes.Length + body.Length];
        prefixBytes.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefixBytes.Length));
        var expected = signature.Algorithm switch
        {
#pragma warning disable CA5350 // Intercom signs with HMAC-SHA1: the vendor's scheme, chosen per source document, not ours.
            "sha1" => HMACSHA1.HashData(key, data),
#pragma warning restore CA5350
            "sha512" => HMACSHA512.HashData(key, data),
            _ => HMACSHA256.HashData(key, data),
        };
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>Lower-case hex SHA-256 of text.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
