using System.Globalization;

namespace Cx.Core.Common;

/// <summary>The API's one text form of instants: what every document, query and answer writes and reads.</summary>
public static class Instants
{
    /// <summary>The canonical text of an instant: UTC, millisecond precision, so strings sort by time.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO 8601 date or instant (a date alone means midnight UTC).</summary>
    public static bool TryParse(string text, out DateTimeOffset instant)
    {
        instant = default;
        if (text.Length < 10 || text.Length > 40 || !char.IsAsciiDigit(text[0]) || text[4] != '-' || text[7] != '-')
        {
            return false;
        }
        return DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out instant
        );
    }
}
