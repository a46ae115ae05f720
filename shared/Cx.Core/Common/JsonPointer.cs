using System.Text;

namespace Cx.Core.Common;

/// <summary>Builds RFC 6901 JSON Pointers for error paths.</summary>
public static class JsonPointer
{
    public static string Append(string parent, string token) => string.Concat(parent, "/", Escape(token));

    public static string Append(string parent, int index) =>
        string.Concat(parent, "/", index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string FromDotted(string dotted)
    {
        var builder = new StringBuilder();
        foreach (var segment in dotted.Split('.'))
        {
            builder.Append('/').Append(Escape(segment));
        }
        return builder.ToString();
    }

    private static string Escape(string token) =>
        token.Contains('~', StringComparison.Ordinal) || token.Contains('/', StringComparison.Ordinal)
            ? token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : token;
}
