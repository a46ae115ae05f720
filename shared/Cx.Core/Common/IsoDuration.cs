using System.Globalization;
using System.Xml;

namespace Cx.Core.Common;

/// <summary>
/// ISO 8601 durations as rule windows, relative dates, behaviour windows and funnel conversion
/// windows use them: <c>P90D</c>, <c>P7D</c>, <c>PT24H</c>, <c>PT30M</c>, <c>P2W</c>. No years or
/// months (their length varies) and nothing negative; at most <see cref="Max"/>.
/// </summary>
public static class IsoDuration
{
    /// <summary>The longest duration accepted: about ten years.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3660);

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text.Length > 32 || text[0] != 'P' || text.Contains('Y') || text.Contains('-'))
        {
            return false;
        }
        var designator = text.IndexOf('T');
        if ((designator < 0 ? text : text[..designator]).Contains('M'))
        {
            return false; // months vary in length
        }
        if (
            text.EndsWith('W')
            && int.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var weeks)
        )
        {
            duration = TimeSpan.FromDays(weeks * 7.0);
            return weeks > 0 && duration <= Max;
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
        return duration > TimeSpan.Zero && duration <= Max;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"'{text}' is not an ISO 8601 duration such as P90D or PT24H.");

    /// <summary>The canonical text: days and time (<c>P90D</c>; <c>PT24H</c> becomes <c>P1D</c>).</summary>
    public static string Format(TimeSpan duration) => XmlConvert.ToString(duration);
}
