using System.Text;

namespace Cx.Http.GraphQL;

/// <summary>
/// GraphQL names of content types, components and fields. Keys are kebab-case
/// (<c>journey-report</c>); GraphQL names are <c>[_A-Za-z][_0-9A-Za-z]*</c>: types become
/// PascalCase (<c>JourneyReport</c>), root fields camelCase (<c>journeyReport</c>).
/// </summary>
internal static class GraphQLNames
{
    public static string Pascal(string key)
    {
        var builder = new StringBuilder(key.Length);
        var upper = true;
        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, 'T');
        }
        return builder.ToString();
    }

    public static string Camel(string key)
    {
        var pascal = Pascal(key);
        return char.ToLowerInvariant(pascal[0]) + pascal[1..];
    }

    /// <summary>The list field of a type: <c>customer</c> → <c>customers</c>, <c>category</c> → <c>categories</c>.</summary>
    public static string Plural(string camel) =>
        camel.EndsWith('s') || camel.EndsWith('x') ? camel + "es"
        : camel.EndsWith('y') && camel.Length > 1 && !"aeiou".Contains(camel[^2], StringComparison.Ordinal) ? camel[..^1] + "ies"
        : camel + "s";

    /// <summary>A field name as GraphQL allows it, or null when the stored name cannot be one.</summary>
    public static string? Field(string name)
    {
        if (name.Length == 0 || name.StartsWith("__", StringComparison.Ordinal) || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return null;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return null;
            }
        }
        return name;
    }
}
