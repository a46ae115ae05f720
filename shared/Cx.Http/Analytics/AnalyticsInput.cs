using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Http.Analytics;

/// <summary>
/// Reading the inputs the analytics reads share (roll-ups, funnels, journey reports): ranges of
/// ISO 8601 instants with their limits, and errors located in the query string or the body.
/// </summary>
internal static class AnalyticsInput
{
    /// <summary>Reads <c>from</c> (required) and <c>to</c> (default now) as ISO 8601 instants; a date alone is midnight UTC.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) ReadRange(
        IReadOnlyDictionary<string, string> values,
        TimeProvider time,
        List<FieldError> errors,
        ErrorLocation location
    )
    {
        DateTimeOffset from = default;
        if (!values.TryGetValue("from", out var fromText))
        {
            errors.Add(Error("from", "required", "from is an ISO 8601 instant or date, such as 2026-11-01.", location));
        }
        else if (!Instants.TryParse(fromText, out from))
        {
            errors.Add(Error("from", "date-time", "from is an ISO 8601 instant or date, such as 2026-11-01T00:00:00Z.", location));
        }
        var to = time.GetUtcNow();
        if (values.TryGetValue("to", out var toText) && !Instants.TryParse(toText, out to))
        {
            errors.Add(Error("to", "date-time", "to is an ISO 8601 instant or date, such as 2026-11-02T00:00:00Z.", location));
        }
        return (from, to);
    }

    public static void CheckRange(
        DateTimeOffset from,
        DateTimeOffset to,
        TimeSpan max,
        List<FieldError> errors,
        ErrorLocation location,
        string unit
    )
    {
        if (to <= from)
        {
            errors.Add(Error("to", "range", "to is after from.", location));
        }
        else if (to - from > max)
        {
            errors.Add(
                Error(
                    "from",
                    "range-too-large",
                    $"The range is at most {max.TotalDays:0.##} days{(unit == "days" ? "" : " of " + unit + " buckets; use a coarser granularity or a narrower range")}.",
                    location
                )
            );
        }
    }

    public static string UnitOf(Granularity granularity) => granularity.ToString().ToLowerInvariant();

    public static FieldError Error(string name, string code, string detail, ErrorLocation location) =>
        location == ErrorLocation.Query ? Query(name, code, detail) : new FieldError("/" + name, code, detail);

    public static FieldError Query(string name, string code, string detail) => new(name, code, detail, ErrorLocation.Query);

    public static void ThrowIfAny(List<FieldError> errors, string message = "The query string is not valid.")
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, message);
        }
    }
}
