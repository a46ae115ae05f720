using System.Globalization;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Paging;

/// <summary>
/// The query string of list endpoints: <c>filter[field]=v</c>, <c>filter[field][op]=v</c>,
/// <c>sort=a,-b</c>, <c>limit</c>, <c>cursor</c>, <c>fields</c>. Unknown or repeated parameters
/// are errors, so a typo never silently returns the unfiltered list.
/// </summary>
public sealed partial record ListParameters(
    IReadOnlyList<RawFilter> Filters,
    IReadOnlyList<string> Sort,
    int? Limit,
    string? Cursor,
    IReadOnlyList<string>? Fields,
    string Fingerprint
)
{
    [GeneratedRegex(@"^filter\[([^\[\]]{1,256})\](?:\[([^\[\]]{1,32})\])?$", RegexOptions.CultureInvariant)]
    private static partial Regex FilterParameter();

    public static ListParameters Parse(IQueryCollection query, bool allowFilters = true)
    {
        var errors = new List<FieldError>();
        var filters = new List<RawFilter>();
        IReadOnlyList<string> sort = [];
        int? limit = null;
        string? cursor = null;
        IReadOnlyList<string>? fields = null;
        var shape = new List<string>();
        foreach (var (name, values) in query)
        {
            if (values.Count != 1)
            {
                errors.Add(new(name, "repeated", $"'{name}' may appear once.", ErrorLocation.Query));
                continue;
            }
            var value = values[0] ?? "";
            switch (name)
            {
                case "sort":
                    sort = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    shape.Add("sort=" + value);
                    break;
                case "limit":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                    {
                        limit = parsed;
                    }
                    else
                    {
                        errors.Add(new("limit", "value", "limit is a whole number.", ErrorLocation.Query));
                    }
                    break;
                case "cursor":
                    cursor = value;
                    break;
                case "fields":
                    fields = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    break;
                default:
                    var match = FilterParameter().Match(name);
                    if (allowFilters && match.Success)
                    {
                        var op = match.Groups[2].Success ? match.Groups[2].Value : "eq";
                        filters.Add(new RawFilter(match.Groups[1].Value, op, value, name));
                        shape.Add(name + "=" + value);
                    }
                    else
                    {
                        errors.Add(
                            new(
                                name,
                                "unknown-parameter",
                                allowFilters
                                    ? "Unknown parameter. Use filter[field], filter[field][op], sort, limit, cursor or fields."
                                    : "Unknown parameter. Use limit and cursor.",
                                ErrorLocation.Query
                            )
                        );
                    }
                    break;
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        shape.Sort(StringComparer.Ordinal);
        return new ListParameters(filters, sort, limit, cursor, fields, string.Join("&", shape));
    }

    /// <summary>The request for the entry service, with the cursor decoded against this query.</summary>
    public EntryListRequest ToEntryRequest(string typeKey) =>
        new()
        {
            Filters = Filters,
            Sort = Sort,
            Limit = Limit,
            After = Cursor is null ? null : CursorCodec.Decode(Cursor, FingerprintFor(typeKey)),
        };

    public Keyset? DecodeCursor(string scope) => Cursor is null ? null : CursorCodec.Decode(Cursor, FingerprintFor(scope));

    public string FingerprintFor(string scope) => CursorCodec.Fingerprint(scope, [Fingerprint]);
}
