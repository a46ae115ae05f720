namespace Cx.Core.Rules;

/// <summary>
/// A dotted path to a value in a document body (<c>email</c>, <c>preferences.language</c>).
/// Segments are identifiers (<c>[A-Za-z][A-Za-z0-9_]*</c>, at most 64 characters), so a path
/// is safe to embed in a store's JSON path expression.
/// </summary>
public sealed class FieldPath : IEquatable<FieldPath>
{
    private FieldPath(string value, string[] segments)
    {
        Value = value;
        Segments = segments;
    }

    public string Value { get; }

    public IReadOnlyList<string> Segments { get; }

    public static FieldPath Parse(string value) =>
        TryParse(value, out var path) ? path : throw new FormatException($"'{value}' is not a field path.");

    public static bool TryParse(string? value, out FieldPath path)
    {
        path = null!;
        if (string.IsNullOrEmpty(value) || value.Length > 256)
        {
            return false;
        }
        var segments = value.Split('.');
        if (segments.Length > 8)
        {
            return false;
        }
        foreach (var segment in segments)
        {
            if (!IsIdentifier(segment))
            {
                return false;
            }
        }
        path = new FieldPath(value, segments);
        return true;
    }

    public static bool IsIdentifier(string segment)
    {
        if (segment.Length is 0 or > 64 || !char.IsAsciiLetter(segment[0]))
        {
            return false;
        }
        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }
        return true;
    }

    public bool Equals(FieldPath? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as FieldPath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
