using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cx.Core.Audit;

/// <summary>
/// One byte sequence per JSON value, whatever the store did to its text (reordered members,
/// other escapes, <c>1.0</c> for <c>1</c>), so a hash of it is a hash of the content:
/// <list type="bullet">
/// <item>UTF-8, no whitespace outside strings;</item>
/// <item>object members sorted by name, comparing UTF-16 code units (ordinal), as RFC 8785;</item>
/// <item>strings (names and values) between double quotes, escaping only <c>"</c> as <c>\"</c>,
/// <c>\</c> as <c>\\</c>, backspace, form feed, line feed, carriage return and tab as <c>\b \f \n
/// \r \t</c>, and the other characters below U+0020 as <c>\u00xx</c> (lower-case hex); every
/// other character as its UTF-8 bytes;</item>
/// <item>numbers: a number whose value is an integer within ±(2^53 − 1) as plain decimal digits
/// (<c>1.0</c>, <c>1e0</c> and <c>1</c> are all <c>1</c>; no sign for zero); any other number as
/// the shortest text that round-trips its IEEE 754 double (.NET's <c>R</c> format, invariant
/// culture) with a lower-case <c>e</c>;</item>
/// <item><c>true</c>, <c>false</c>, <c>null</c> as themselves; array items in order.</item>
/// </list>
/// A string that is not valid Unicode (a lone surrogate escape) has no canonical form:
/// <see cref="FormatException"/>.
/// </summary>
public static class CanonicalJson
{
    private const long MaxSafeInteger = 9_007_199_254_740_991;

    /// <summary>The canonical bytes of <paramref name="value"/>, leaving out the top-level member <paramref name="omit"/> when given.</summary>
    public static byte[] Serialize(JsonElement value, string? omit = null)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(buffer, value, omit);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ArrayBufferWriter<byte> output, JsonElement value, string? omit)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                output.Write("{"u8);
                var first = true;
                foreach (var member in value.EnumerateObject().Where(m => m.Name != omit).OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        output.Write(","u8);
                    }
                    first = false;
                    WriteString(output, member.Name);
                    output.Write(":"u8);
                    Write(output, member.Value, null);
                }
                output.Write("}"u8);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (index++ > 0)
                    {
                        output.Write(","u8);
                    }
                    Write(output, item, null);
                }
                output.Write("]"u8);
                break;
            case JsonValueKind.String:
                string text;
                try
                {
                    text = value.GetString()!;
                }
                catch (InvalidOperationException e)
                {
                    throw new FormatException("A string is not valid Unicode.", e);
                }
                WriteString(output, text);
                break;
            case JsonValueKind.Number:
                output.Write(Encoding.ASCII.GetBytes(Number(value)));
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            default:
                output.Write("null"u8);
                break;
        }
    }

    private static string Number(JsonElement value)
    {
        if (value.TryGetInt64(out var integer) && integer is >= -MaxSafeInteger and <= MaxSafeInteger)
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }
        var number = value.GetDouble();
        if (number == Math.Floor(number) && Math.Abs(number) <= MaxSafeInteger)
        {
            return ((long)number).ToString(CultureInfo.InvariantCulture);
        }
        return number.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    private static void WriteString(ArrayBufferWriter<byte> output, string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0 && text.AsSpan().IndexOfAny('"', '\\') < 0 && !HasSurrogate(text))
        {
            output.Write("\""u8);
            output.Write(Encoding.UTF8.GetBytes(text));
            output.Write("\""u8);
            return;
        }
        var escaped = new StringBuilder(text.Length + 8).Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"':
                    escaped.Append("\\\"");
                    break;
                case '\\':
                    escaped.Append("\\\\");
                    break;
                case '\b':
                    escaped.Append("\\b");
                    break;
                case '\f':
                    escaped.Append("\\f");
                    break;
                case '\n':
                    escaped.Append("\\n");
                    break;
                case '\r':
                    escaped.Append("\\r");
                    break;
                case '\t':
                    escaped.Append("\\t");
                    break;
                case < ' ':
                    escaped.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        escaped.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        throw new FormatException("A string is not valid Unicode (a lone surrogate).");
                    }
                    else
                    {
                        escaped.Append(c);
                    }
                    break;
            }
        }
        output.Write(Encoding.UTF8.GetBytes(escaped.Append('"').ToString()));
    }

    private static bool HasSurrogate(string text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }
}
