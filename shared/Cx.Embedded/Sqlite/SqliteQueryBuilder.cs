using System.Globalization;
using System.Text;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// The SQLite dialect of <see cref="QueryTranslator"/>: pages and counts as SQLite SQL. Field values are
/// read with <c>json_extract(body, '$.path')</c>, the same expression the indexes are built
/// on, so the planner uses them; values are always parameters, paths are validated
/// identifiers. Missing values are SQL NULL: they sort first and match no comparison but
/// <c>ne</c>, <c>nin</c> and <c>exists=false</c>, as the condition tree specifies.
/// </summary>
public sealed class SqliteQueryBuilder : QueryTranslator
{
    public List<object> Parameters { get; } = [];

    protected override string StoreName => "The SQLite store";

    protected override string True => "1";

    protected override string False => "0";

    protected override string Expression(FieldPath field) => FieldExpression(field);

    public static string FieldExpression(FieldPath path) => path.Value == "id" ? "id" : $"json_extract(body, '$.{path.Value}')";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public string Sql => Text.ToString();

    /// <summary>Builds the page query: rows, sort values of each row, one extra row to detect a next page.</summary>
    public static (string Sql, List<object> Parameters) Page(string container, DocumentQuery query)
    {
        var builder = new SqliteQueryBuilder();
        var sql = builder.Text;
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
        builder.Text.Append("SELECT count(*) FROM ").Append(Quote(container)).Append(" WHERE type = ").Append(builder.Parameter(type));
        if (filter is not null)
        {
            builder.Text.Append(" AND ");
            builder.Append(filter);
        }
        return (builder.Sql, builder.Parameters);
    }

    /// <summary>A NULL (unknown) inside counts as false, so NOT of it is true: missing values stay definite.</summary>
    protected override void AppendNot(Condition condition)
    {
        Text.Append("NOT IFNULL((");
        Append(condition);
        Text.Append("), 0)");
    }

    protected override void AppendMissing(string field) => Text.Append(field).Append(" IS NULL");

    protected override void AppendPresent(string field) => Text.Append(field).Append(" IS NOT NULL");

    protected override void AppendEqual(string field, ScalarValue operand) => Binary(field, "=", operand);

    protected override void AppendNotEqual(string field, ScalarValue operand) =>
        Text.Append('(').Append(field).Append(" IS NULL OR ").Append(field).Append(" <> ").Append(Parameter(operand)).Append(')');

    protected override void AppendOrdered(string field, string op, ScalarValue operand) => Binary(field, op, operand);

    protected override void AppendBetween(string field, ScalarValue low, ScalarValue high) =>
        Text.Append(field).Append(" BETWEEN ").Append(Parameter(low)).Append(" AND ").Append(Parameter(high));

    protected override void AppendIn(string field, IReadOnlyList<ScalarValue> operands)
    {
        Text.Append(field).Append(" IN (");
        AppendList(operands);
        Text.Append(')');
    }

    protected override void AppendNotIn(string field, IReadOnlyList<ScalarValue> operands)
    {
        Text.Append('(').Append(field).Append(" IS NULL OR ").Append(field).Append(" NOT IN (");
        AppendList(operands);
        Text.Append("))");
    }

    protected override void AppendContains(string field, ScalarValue operand) =>
        Text.Append("(typeof(")
            .Append(field)
            .Append(") = 'text' AND instr(")
            .Append(field)
            .Append(", ")
            .Append(Parameter(operand))
            .Append(") > 0)");

    private void Binary(string field, string op, ScalarValue operand) =>
        Text.Append(field).Append(' ').Append(op).Append(' ').Append(Parameter(operand));

    private void AppendList(IReadOnlyList<ScalarValue> operands)
    {
        for (var i = 0; i < operands.Count; i++)
        {
            if (i > 0)
            {
                Text.Append(", ");
            }
            Text.Append(Parameter(operands[i]));
        }
    }

    /// <summary>
    /// A prefix match as an index range: values at or above the prefix and below the prefix
    /// with its last code point incremented (UTF-8 compares in code point order).
    /// </summary>
    protected override void AppendStartsWith(string field, ScalarValue operand)
    {
        if (operand.Kind != ScalarKind.String)
        {
            Text.Append('0');
            return;
        }
        var prefix = operand.AsString;
        if (prefix.Length == 0)
        {
            Text.Append("typeof(").Append(field).Append(") = 'text'");
            return;
        }
        var upper = UpperBound(prefix);
        Text.Append('(').Append(field).Append(" >= ").Append(Parameter(operand)).Append(" AND ");
        if (upper is not null)
        {
            Text.Append(field).Append(" < ").Append(Parameter(ScalarValue.From(upper))).Append(')');
        }
        else
        {
            Text.Append("substr(")
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

    protected override void AppendKeyEqual(string field, ScalarValue value)
    {
        if (value.IsNull)
        {
            AppendMissing(field);
        }
        else
        {
            Binary(field, "=", value);
        }
    }

    /// <summary>Missing values are NULL and sort first: after them in ascending order is any value, in descending order nothing.</summary>
    protected override void AppendKeyAfter(string field, ScalarValue value, bool descending)
    {
        if (!descending)
        {
            Text.Append(value.IsNull ? field + " IS NOT NULL" : field + " > " + Parameter(value));
        }
        else
        {
            Text.Append(value.IsNull ? "0" : "(" + field + " < " + Parameter(value) + " OR " + field + " IS NULL)");
        }
    }

    protected override void AppendIdAfter(string id) => Text.Append("id > ").Append(Parameter(ScalarValue.From(id)));

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
