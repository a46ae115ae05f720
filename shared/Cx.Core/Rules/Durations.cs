using System.Globalization;
using System.Xml;

namespace Cx.Core.Rules;

/// <summary>ISO 8601 durations as rules use them: <c>P90D</c>, <c>P7D</c>, <c>PT24H</c>, <c>PT30M</c>, <c>P2W</c> (no years or months: their length varies).</summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (
            string.IsNullOrEmpty(text)
            || text.Length > 32
            || text[0] != 'P'
            || text.Contains('Y', StringComparison.Ordinal)
            || text.Contains('-', StringComparison.Ordinal)
        )
        {
            return false;
        }
        var time = text.IndexOf('T', StringComparison.Ordinal);
        if ((time < 0 ? text : text[..time]).Contains('M', StringComparison.Ordinal))
        {
            return false;
        }
        if (
            text.EndsWith('W')
            && int.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var weeks)
        )
        {
            duration = TimeSpan.FromDays(weeks * 7.0);
            return weeks > 0;
        }
        try
        {
            duration = XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
        return duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(3660);
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not an ISO 8601 duration such as P90D.");

    public static string Format(TimeSpan duration) => XmlConvert.ToString(duration);
}
