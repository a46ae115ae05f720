namespace Cx.Core.Events;

/// <summary>
/// The rules identifiers must meet before they name a subject or join a merge. Junk values
/// that broken clients send (empty, <c>null</c>, <c>undefined</c>, <c>-1</c>, <c>0</c>,
/// <c>anonymous</c>, ...) would lump unrelated visitors into one profile, so they are refused.
/// </summary>
public static class IdentityRules
{
    public const int MaxLength = 128;

    /// <summary>Compared case-insensitively after trimming.</summary>
    public static readonly IReadOnlySet<string> JunkValues = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "null",
        "undefined",
        "nil",
        "none",
        "nan",
        "n/a",
        "na",
        "-1",
        "0",
        "anonymous",
        "anon",
        "unknown",
        "guest",
        "user",
        "true",
        "false",
        "[object object]",
        "00000000-0000-0000-0000-000000000000",
    };

    public sealed record Problem(string Code, string Detail);

    /// <summary>1-128 of letters, digits and <c>. _ : @ -</c>.</summary>
    public static bool IsWellFormed(string value)
    {
        if (value.Length is 0 or > MaxLength)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '@' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsJunk(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }
        var trimmed = value.Trim();
        if (JunkValues.Contains(trimmed))
        {
            return true;
        }
        // One character repeated ("0000", "----", "xxxx") is a placeholder, not an identity.
        return trimmed.Length > 1 && trimmed.AsSpan().IndexOfAnyExcept(trimmed[0]) < 0;
    }

    /// <summary>The problem with an identifier, or null when it is usable.</summary>
    public static Problem? Check(string? value)
    {
        if (IsJunk(value))
        {
            return new Problem(
                "junk-identifier",
                $"'{value}' is a placeholder, not an identifier (empty, null, -1, anonymous, ... are refused)."
            );
        }
        return IsWellFormed(value!) ? null : new Problem("identifier", "Must be 1-128 of letters, digits and . _ : @ -.");
    }
}
