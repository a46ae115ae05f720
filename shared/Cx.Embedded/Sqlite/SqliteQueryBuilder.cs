using System.Globalization;
using System.Text;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// Translates the condition tree and keyset pagination into SQLite SQL. Field values are
/// read with <c>json_extract(body, '$.path')</c>, the same expression the indexes are built
/// on, so the planner uses them; values are always parameters, paths are validated
/// identifiers. Missing values are SQL NULL: they sort first and match no comparison but
/// <c>ne</c>, <c>nin</c> and <c>exists=false</c>, as the condition tree specifies.
/// </summary>
public sealed class SqliteQueryBuilder
{
    private readonly StringBuilder _sql = new();

    public List<object> Parameters { get; } = [];

    public static string FieldExpression(FieldPath path) => path.Value == "id" ? "id" : $"json_extract(body, '$.{path.Value}')";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public string Sql => _sql.ToString();

    /// <summary>Builds the page query: rows, sort values of each row, one extra row to detect a next page.</summary>
    public static (string Sql, List<object> Parameters) Page(string container, DocumentQuery query)
    {
        var builder = new SqliteQueryBuilder();
        var sql = builder._sql;
        sql.Append("SELECT id, pk, type, etag, body");
        for (var i = 0; i < query.Sort.Count; i++)
        {
            sql.Append(", ").Append(FieldExpression(query.Sort[i].Field));
        }
        sql.Append(" FROM ").Append(Quote(container)).Append(" WHERE type = ").Append(builder.Parameter(query.Type));
        if (query.PartitionKey is not null)
        {
            sql.Append(" AND pk = ").Append(builder.Parameter(query.PartitionKey));
        }
        if (query.Filter is not null)
        {
            sql.Append(" AND ");
            builder.Append(query.Filter);
        }
        if (query.After is not null)
        {
            sql.Append(" AND ");
            builder.AppendKeyset(query.Sort, query.After);
        }
        sql.Append(" ORDER BY ");
        foreach (var key in query.Sort)
        {
            sql.Append(FieldExpression(key.Field)).Append(key.Descending ? " DESC, " : ", ");
        }
        sql.Append("id LIMIT ").Append(builder.Parameter(query.Limit + 1));
        return (builder.Sql, builder.Parameters);
    }

    public static (string Sql, List<object> Parameters) Count(string container, string type, Condition? filter)
    {
        var builder = new SqliteQueryBuilder();
        builder._sql.Append("SELECT count(*) FROM ").Append(Quote(container)).Append(" WHERE type = ").Append(builder.Parameter(type));
        if (filter is not null)
        {
            builder._sql.Append(" AND ");
            builder.Append(filter);
        }
        return (builder.Sql, builder.Parameters);
    }

    public void Append(Condition condition)
    {
        switch (condition)
        {
            case Comparison comparison:
                AppendComparison(comparison);
                break;
            case AllOf all:
                AppendGroup(all.Conditions, " AND ", "1");
                break;
            case AnyOf any:
                AppendGroup(any.Conditions, " OR ", "0");
                break;
            case Not not:
                _sql.Append("NOT IFNULL((");
                Append(not.Condition);
                _sql.Append("), 0)");
                break;
            default:
                throw new NotSupportedException($"The SQLite store cannot evaluate {condition.GetType().Name}.");
        }
    }

    private void AppendGroup(IReadOnlyList<Condition> conditions, string separator, string empty)
    {
        if (conditions.Count == 0)
        {
            _sql.Append(empty);
            return;
        }
        _sql.Append('(');
        for (var i = 0; i < conditions.Count; i++)
        {
            if (i > 0)
            {
                _sql.Append(separator);
            }
            Append(conditions[i]);
        }
        _sql.Append(')');
    }

    private void AppendComparison(Comparison comparison)
    {
        var field = FieldExpression(comparison.Field);
        var operands = comparison.Operands;
        switch (comparison.Operator)
        {
            case ComparisonOperator.Eq when comparison.Operand.IsNull:
                _sql.Append(field).Append(" IS NULL");
                break;
            case ComparisonOperator.Ne when comparison.Operand.IsNull:
                _sql.Append(field).Append(" IS NOT NULL");
                break;
            case ComparisonOperator.Eq:
                Binary(field, "=", comparison.Operand);
                break;
            case ComparisonOperator.Ne:
                _sql.Append('(')
                    .Append(field)
                    .Append(" IS NULL OR ")
                    .Append(field)
                    .Append(" <> ")
                    .Append(Parameter(comparison.Operand))
                    .Append(')');
                break;
            case ComparisonOperator.Gt:
                Binary(field, ">", comparison.Operand);
                break;
            case ComparisonOperator.Gte:
                Binary(field, ">=", comparison.Operand);
                break;
            case ComparisonOperator.Lt:
                Binary(field, "<", comparison.Operand);
                break;
            case ComparisonOperator.Lte:
                Binary(field, "<=", comparison.Operand);
                break;
            case ComparisonOperator.Between:
                _sql.Append(field).Append(" BETWEEN ").Append(Parameter(operands[0])).Append(" AND ").Append(Parameter(operands[1]));
                break;
            case ComparisonOperator.In:
                _sql.Append(field).Append(" IN (");
                AppendList(operands);
                _sql.Append(')');
                break;
            case ComparisonOperator.Nin:
                _sql.Append('(').Append(field).Append(" IS NULL OR ").Append(field).Append(" NOT IN (");
                AppendList(operands);
                _sql.Append("))");
                break;
            case ComparisonOperator.Exists:
                _sql.Append(field)
                    .Append(comparison.Operand.Kind == ScalarKind.Boolean && comparison.Operand.AsBoolean ? " IS NOT NULL" : " IS NULL");
                break;
            case ComparisonOperator.StartsWith:
                AppendStartsWith(field, comparison.Operand);
                break;
            case ComparisonOperator.Contains:
                _sql.Append("(typeof(")
                    .Append(field)
                    .Append(") = 'text' AND instr(")
                    .Append(field)
                    .Append(", ")
                    .Append(Parameter(comparison.Operand))
                    .Append(") > 0)");
                break;
            default:
                throw new NotSupportedException($"Operator {comparison.Operator} is not supported.");
        }
    }

    private void Binary(string field, string op, ScalarValue operand) =>
        _sql.Append(field).Append(' ').Append(op).Append(' ').Append(Parameter(operand));

    private void AppendList(IReadOnlyList<ScalarValue> operands)
    {
        for (var i = 0; i < operands.Count; i++)
        {
            if (i > 0)
            {
                _sql.Append(", ");
            }
            _sql.Append(Parameter(operands[i]));
        }
    }

    /// <summary>
    /// A prefix match as an index range: values at or above the prefix and below the prefix
    /// with its last code point incremented (UTF-8 compares in code point order).
    /// </summary>
    private void AppendStartsWith(string field, ScalarValue operand)
    {
        if (operand.Kind != ScalarKind.String)
        {
            _sql.Append('0');
            return;
        }
        var prefix = operand.AsString;
        if (prefix.Length == 0)
        {
            _sql.Append("typeof(").Append(field).Append(") = 'text'");
            return;
        }
        var upper = UpperBound(prefix);
        _sql.Append('(').Append(field).Append(" >= ").Append(Parameter(operand)).Append(" AND ");
        if (upper is not null)
        {
            _sql.Append(field).Append(" < ").Append(Parameter(ScalarValue.From(upper))).Append(')');
        }
        else
        {
            _sql.Append("substr(")
                .Append(field)
                .Append(", 1, ")
                .Append(Parameter(ScalarValue.From(prefix.Length)))
                .Append(") = ")
                .Append(Parameter(operand))
                .Append(')');
        }
    }

    private static string? UpperBound(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        var last = runes[^1].Value + 1;
        if (last is >= 0xD800 and <= 0xDFFF)
        {
            last = 0xE000;
        }
        if (last > 0x10FFFF)
        {
            return null;
        }
        runes[^1] = new Rune(last);
        var builder = new StringBuilder();
        foreach (var rune in runes)
        {
            builder.Append(rune.ToString());
        }
        return builder.ToString();
    }

    /// <summary>Rows strictly after the keyset in (sort keys..., id) order.</summary>
    private void AppendKeyset(IReadOnlyList<SortField> sort, Keyset after)
    {
        _sql.Append('(');
        for (var i = 0; i <= sort.Count; i++)
        {
            if (i > 0)
            {
                _sql.Append(" OR ");
            }
            _sql.Append('(');
            for (var j = 0; j < i; j++)
            {
                var field = FieldExpression(sort[j].Field);
                var value = after.Values[j];
                _sql.Append(field);
                if (value.IsNull)
                {
                    _sql.Append(" IS NULL AND ");
                }
                else
                {
                    _sql.Append(" = ").Append(Parameter(value)).Append(" AND ");
                }
            }
            if (i == sort.Count)
            {
                _sql.Append("id > ").Append(Parameter(ScalarValue.From(after.Id)));
            }
            else
            {
                var field = FieldExpression(sort[i].Field);
                var value = after.Values[i];
                if (!sort[i].Descending)
                {
                    _sql.Append(value.IsNull ? field + " IS NOT NULL" : field + " > " + Parameter(value));
                }
                else
                {
                    _sql.Append(value.IsNull ? "0" : "(" + field + " < " + Parameter(value) + " OR " + field + " IS NULL)");
                }
            }
            _sql.Append(')');
        }
        _sql.Append(')');
    }

    private string Parameter(ScalarValue value) =>
        Parameter(
            value.Kind switch
            {
                ScalarKind.String => value.AsString,
                ScalarKind.Number => NumberParameter(value.AsNumber),
                ScalarKind.Boolean => value.AsBoolean ? 1L : 0L,
                _ => DBNull.Value,
            }
        );

    private static object NumberParameter(double number) =>
        number == Math.Floor(number) && Math.Abs(number) < 9.0e15 ? (long)number : number;

    private string Parameter(object value)
    {
        Parameters.Add(value);
        return "$p" + (Parameters.Count - 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a sort value as the keyset stores it.</summary>
    public static ScalarValue ToScalar(object? value) =>
        value switch
        {
            null or DBNull => ScalarValue.Null,
            string s => ScalarValue.From(s),
            long l => ScalarValue.From(l),
            double d => ScalarValue.From(d),
            _ => ScalarValue.From(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
        };
}
