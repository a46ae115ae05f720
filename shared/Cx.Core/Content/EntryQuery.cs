using System.Globalization;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Content;

/// <summary>A filter as the client wrote it: field, operator and raw text, and the parameter it came from.</summary>
public sealed record RawFilter(string Field, string Operator, string Value, string Parameter);

/// <summary>A list request as the client wrote it, before it is checked against the content type.</summary>
public sealed record EntryListRequest
{
    public IReadOnlyList<RawFilter> Filters { get; init; } = [];

    /// <summary>Sort fields, <c>-</c> prefix for descending (<c>-lastLogin</c>).</summary>
    public IReadOnlyList<string> Sort { get; init; } = [];

    public int? Limit { get; init; }

    public Keyset? After { get; init; }
}

/// <summary>
/// Turns a client's list request into a typed <see cref="DocumentQuery"/>: only indexed
/// fields, operators that suit the field's type, values parsed by the field's type (dates to
/// their canonical form, e-mails lower-case). Bad input names the query parameter.
/// </summary>
public static class EntryQuery
{
    public const int MaxSortFields = 3;

    public const int MaxListValues = 100;

    public static DocumentQuery Build(ContentSchema schema, EntryListRequest request, ContentOptions options)
    {
        var errors = new List<FieldError>();
        var conditions = new List<Condition>();
        foreach (var filter in request.Filters)
        {
            if (ParseFilter(schema, filter, errors) is { } condition)
            {
                conditions.Add(condition);
            }
        }
        var sort = new List<SortField>();
        if (request.Sort.Count > MaxSortFields)
        {
            errors.Add(new("sort", "max-items", $"At most {MaxSortFields} sort fields.", ErrorLocation.Query));
        }
        foreach (var raw in request.Sort.Take(MaxSortFields))
        {
            var descending = raw.StartsWith('-');
            var name = descending ? raw[1..] : raw.TrimStart('+');
            if (name == "id")
            {
                errors.Add(
                    new("sort", "not-sortable", "Entries are always ordered by id last; sort on another field.", ErrorLocation.Query)
                );
            }
            else if (!schema.Indexed.TryGetValue(name, out var field))
            {
                errors.Add(
                    new(
                        "sort",
                        "not-sortable",
                        $"'{name}' is not an indexed field of '{schema.Key}'. Sortable: {Sortable(schema)}.",
                        ErrorLocation.Query
                    )
                );
            }
            else if (sort.Any(s => s.Field.Value == name))
            {
                errors.Add(new("sort", "duplicate", $"'{name}' appears twice.", ErrorLocation.Query));
            }
            else
            {
                sort.Add(new SortField(field.Path, descending));
            }
        }
        var limit = request.Limit ?? options.DefaultPageSize;
        if (limit < 1 || limit > options.MaxPageSize)
        {
            errors.Add(new("limit", "range", $"limit is between 1 and {options.MaxPageSize}.", ErrorLocation.Query));
        }
        if (request.After is { } after && after.Values.Count != sort.Count)
        {
            errors.Add(new("cursor", "invalid-cursor", "The cursor does not belong to this query.", ErrorLocation.Query));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The list query is not valid.");
        }
        return new DocumentQuery
        {
            Type = schema.Key,
            PartitionKey = schema.Type.Storage.PartitionBy == PartitionStrategy.Type ? schema.Key : null,
            Filter = conditions.Count switch
            {
                0 => null,
                1 => conditions[0],
                _ => new AllOf([.. conditions]),
            },
            Sort = sort,
            Limit = limit,
            After = request.After,
        };
    }

    private static string Sortable(ContentSchema schema) =>
        string.Join(", ", schema.Indexed.Keys.Where(k => k != "id").Order(StringComparer.Ordinal));

    private static Condition? ParseFilter(ContentSchema schema, RawFilter filter, List<FieldError> errors)
    {
        var parameter = filter.Parameter;
        if (!schema.Indexed.TryGetValue(filter.Field, out var indexed))
        {
            errors.Add(
                new(
                    parameter,
                    "not-filterable",
                    $"'{filter.Field}' is not an indexed field of '{schema.Key}'. Filterable: id, {Sortable(schema)}.",
                    ErrorLocation.Query
                )
            );
            return null;
        }
        if (
            !Enum.TryParse<ComparisonOperator>(filter.Operator, ignoreCase: true, out var op)
            || !Enum.IsDefined(op)
            || int.TryParse(filter.Operator, out _)
        )
        {
            errors.Add(
                new(
                    parameter,
                    "operator",
                    $"Unknown operator '{filter.Operator}'. Use eq, ne, gt, gte, lt, lte, in, nin, between, exists or startsWith.",
                    ErrorLocation.Query
                )
            );
            return null;
        }
        var field = indexed.Definition;
        var ordered = field.Type is not FieldType.Boolean;
        var textual = field.Type is FieldType.String or FieldType.Email or FieldType.Text or FieldType.Enumeration or FieldType.Relation;
        if (
            (
                op
                    is ComparisonOperator.Gt
                        or ComparisonOperator.Gte
                        or ComparisonOperator.Lt
                        or ComparisonOperator.Lte
                        or ComparisonOperator.Between
                && !ordered
            )
            || (op == ComparisonOperator.StartsWith && !textual)
            || op == ComparisonOperator.Contains
        )
        {
            errors.Add(
                new(
                    parameter,
                    "operator",
                    $"'{filter.Operator}' does not apply to the {field.Type.ToString().ToLowerInvariant()} field '{filter.Field}'.",
                    ErrorLocation.Query
                )
            );
            return null;
        }
        ScalarValue[] operands;
        switch (op)
        {
            case ComparisonOperator.Exists:
                if (!bool.TryParse(filter.Value, out var exists))
                {
                    errors.Add(new(parameter, "value", "exists takes true or false.", ErrorLocation.Query));
                    return null;
                }
                operands = [ScalarValue.From(exists)];
                break;
            case ComparisonOperator.In:
            case ComparisonOperator.Nin:
            case ComparisonOperator.Between:
                var parts = filter.Value.Split(',');
                if (op == ComparisonOperator.Between && parts.Length != 2)
                {
                    errors.Add(new(parameter, "value", "between takes two comma-separated values: low,high.", ErrorLocation.Query));
                    return null;
                }
                if (parts.Length > MaxListValues)
                {
                    errors.Add(new(parameter, "max-items", $"At most {MaxListValues} values.", ErrorLocation.Query));
                    return null;
                }
                operands = new ScalarValue[parts.Length];
                for (var i = 0; i < parts.Length; i++)
                {
                    if (!TryParseValue(field, parts[i], parameter, errors, out operands[i]))
                    {
                        return null;
                    }
                }
                if (op == ComparisonOperator.Between && operands[0] > operands[1])
                {
                    errors.Add(new(parameter, "range", "between needs low <= high.", ErrorLocation.Query));
                    return null;
                }
                break;
            default:
                if (!TryParseValue(field, filter.Value, parameter, errors, out var single))
                {
                    return null;
                }
                operands = [single];
                break;
        }
        return new Comparison(indexed.Path, op, new EquatableArray<ScalarValue>(operands));
    }

    /// <summary>Parses query text as a value of the field's type.</summary>
    public static bool TryParseValue(FieldDefinition field, string text, string parameter, List<FieldError> errors, out ScalarValue value)
    {
        value = default;
        switch (field.Type)
        {
            case FieldType.Integer:
            case FieldType.Number:
            case FieldType.Decimal:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                {
                    value = ScalarValue.From(number);
                    return true;
                }
                errors.Add(new(parameter, "value", $"'{text}' is not a number.", ErrorLocation.Query));
                return false;
            case FieldType.Boolean:
                if (bool.TryParse(text, out var flag))
                {
                    value = ScalarValue.From(flag);
                    return true;
                }
                errors.Add(new(parameter, "value", $"'{text}' is not true or false.", ErrorLocation.Query));
                return false;
            case FieldType.DateTime:
                if (Instants.TryParse(text, out var instant))
                {
                    value = ScalarValue.From(Instants.Format(instant));
                    return true;
                }
                errors.Add(new(parameter, "value", $"'{text}' is not an ISO 8601 date or date-time.", ErrorLocation.Query));
                return false;
            case FieldType.Enumeration:
                if (!field.Values.Contains(text))
                {
                    errors.Add(new(parameter, "value", $"'{text}' is not one of: {string.Join(", ", field.Values)}.", ErrorLocation.Query));
                    return false;
                }
                value = ScalarValue.From(text);
                return true;
            case FieldType.Email:
                value = ScalarValue.From(text.Trim().ToLowerInvariant());
                return true;
            default:
                if (text.Length > 1024)
                {
                    errors.Add(new(parameter, "max-length", "Filter values are at most 1024 characters.", ErrorLocation.Query));
                    return false;
                }
                value = ScalarValue.From(text);
                return true;
        }
    }
}
