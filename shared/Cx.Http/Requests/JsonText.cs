using System.Text.Json;
using System.Text.Unicode;
using Cx.Core.Common;

namespace Cx.Http.Requests;

/// <summary>
/// Checks that every string and property name of a JSON body is Unicode text. The JSON reader
/// accepts bytes that are not UTF-8 inside strings and escaped lone surrogates (<c>"\ud800"</c>),
/// and only fails later, when a handler reads the string; this check turns both into a 400 that
/// points at the string, once, where bodies are read.
/// </summary>
internal static class JsonText
{
    /// <summary>
    /// Throws <see cref="MalformedJsonException"/> at the first string that is not Unicode. Bodies
    /// that are valid UTF-8 with no escaped surrogate (nearly all) pass after two vectorized scans.
    /// </summary>
    public static void CheckStrings(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        if (Utf8.IsValid(utf8) && !HasSurrogateEscape(utf8))
        {
            return;
        }
        if (FindInvalidString(utf8, maxDepth) is { } error)
        {
            throw new MalformedJsonException("The body is not valid JSON text: " + error.Detail, error);
        }
    }

    /// <summary>Whether <c>\uD800</c>-<c>\uDFFF</c> (any case) may appear: then the strings are read to see whether each has its pair.</summary>
    private static bool HasSurrogateEscape(ReadOnlySpan<byte> utf8)
    {
        for (var at = utf8.IndexOf("\\u"u8); at >= 0 && at + 3 < utf8.Length; )
        {
            if (
                utf8[at + 2] is (byte)'d' or (byte)'D'
                && utf8[at + 3] is >= (byte)'8' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F'
            )
            {
                return true;
            }
            var next = utf8[(at + 2)..].IndexOf("\\u"u8);
            at = next < 0 ? -1 : at + 2 + next;
        }
        return false;
    }

    /// <summary>The pointer and reason of the first string or property name that is not Unicode; null when there is none or the JSON is malformed (the parser says where).</summary>
    private static FieldError? FindInvalidString(ReadOnlySpan<byte> utf8, int maxDepth)
    {
        var reader = new Utf8JsonReader(
            utf8,
            new JsonReaderOptions { MaxDepth = maxDepth, CommentHandling = JsonCommentHandling.Disallow }
        );
        // One entry per open container: the property being read (objects) or the index (arrays).
        var path = new List<(bool Array, string Name, int Index)>();
        try
        {
            while (reader.Read())
            {
                if (path.Count > 0 && path[^1].Array && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.Comment))
                {
                    path[^1] = path[^1] with { Index = path[^1].Index + 1 };
                }
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        path.Add((false, "", -1));
                        break;
                    case JsonTokenType.StartArray:
                        path.Add((true, "", -1));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        if (Reason(ref reader) is { } nameReason)
                        {
                            return new FieldError(
                                Pointer(path, includeLast: false),
                                "invalid-string",
                                "A property name here " + nameReason
                            );
                        }
                        path[^1] = path[^1] with { Name = reader.GetString()! };
                        break;
                    case JsonTokenType.String when Reason(ref reader) is { } reason:
                        return new FieldError(Pointer(path, includeLast: true), "invalid-string", "The string " + reason);
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the parser reports it with the line and byte.
        }
        return null;
    }

    private static string? Reason(ref Utf8JsonReader reader)
    {
        if (!Utf8.IsValid(reader.ValueSpan))
        {
            return "holds bytes that are not UTF-8; send JSON as UTF-8 text.";
        }
        if (!reader.ValueIsEscaped)
        {
            return null;
        }
        try
        {
            _ = reader.GetString();
            return null;
        }
        catch (InvalidOperationException)
        {
            return "holds an escaped lone surrogate (such as \\ud800 without the \\udc00-\\udfff that completes it), which is not Unicode text.";
        }
    }

    /// <summary>The pointer of the value being read; of its object when <paramref name="includeLast"/> is false (a bad property name).</summary>
    private static string Pointer(List<(bool Array, string Name, int Index)> path, bool includeLast)
    {
        var pointer = "";
        for (var i = 0; i < (includeLast ? path.Count : path.Count - 1); i++)
        {
            var (array, name, index) = path[i];
            pointer = array ? JsonPointer.Append(pointer, index) : JsonPointer.Append(pointer, name);
        }
        return pointer;
    }
}
