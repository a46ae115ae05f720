using System.Globalization;
using System.Text;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Azure.Cosmos;

/// <summary>A named query parameter: a string, number, boolean, null or string array.</summary>
public sealed record CosmosParameter(string Name, object? Value);

/// <summary>Cosmos SQL text and its parameters; values never appear in the text.</summary>
public sealed record CosmosSql(string Text, IReadOnlyList<CosmosParameter> Parameters);

/// <summary>
/// The Cosmos SQL dialect of <see cref="QueryTranslator"/>: pages, counts and point reads as
/// parameterised Cosmos SQL with the semantics of <c>SqliteQueryBuilder</c> (type-guarded
/// comparisons, missing values lowest, tombstones excluded, bracketed field paths): ADR 0018.
/// </summary>
public sealed class CosmosQueryBuilder : QueryTranslator
{
    private static readonly ScalarKind[] OrderedKinds = [ScalarKind.Boolean, ScalarKind.Number, ScalarKind.String];
    private readonly List<CosmosParameter> _parameters = [];

    protected override string StoreName => "The Cosmos DB store";

    protected override string True => "true";

    protected override string False => "false";

    protected override string Expression(FieldPath field) => Field(field);

    /// <summary>The Cosmos SQL expression of a field of the document body.</summary>
    public static string Field(FieldPath path)
    {
        var builder = new StringBuilder("c", 2 + path.Value.Length * 2);
        foreach (var segment in path.Segments)
        {
            builder.Append("[\"").Append(segment).Append("\"]");
        }
        return builder.ToString();
    }

    /// <summary>One page: the documents of the type (and partition), filtered, after the keyset, <c>Limit + 1</c> rows.</summary>
    public static CosmosSql Page(DocumentQuery query)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        var builder = new CosmosQueryBuilder();
        var sql = builder.Text;
        sql.Append("SELECT TOP ").Append(builder.Parameter(query.Limit + 1)).Append(" * FROM c WHERE ");
        builder.AppendScope(query.Type, query.PartitionKey);
        if (query.Filter is not null)
        {
            sql.Append(" AND ");
            builder.Append(query.Filter);
        }
        if (query.After is not null)
        {
            if (query.After.Values.Count != query.Sort.Count)
            {
                throw new ArgumentException("The keyset does not match the sort of the query.", nameof(query));
            }
            sql.Append(" AND ");
            builder.AppendKeyset(query.Sort, query.After);
        }
        sql.Append(" ORDER BY c.type ASC");
        foreach (var key in query.Sort)
        {
            sql.Append(", ").Append(Field(key.Field)).Append(key.Descending ? " DESC" : " ASC");
        }
        sql.Append(", c.id ASC");
        return builder.Build();
    }

    /// <summary>The number of live documents of the type that match the filter.</summary>
    public static CosmosSql Count(string type, Condition? filter)
    {
        var builder = new CosmosQueryBuilder();
        builder.Text.Append("SELECT VALUE COUNT(1) FROM c WHERE ");
        builder.AppendScope(type, partitionKey: null);
        if (filter is not null)
        {
            builder.Text.Append(" AND ");
            builder.Append(filter);
        }
        return builder.Build();
    }

    /// <summary>Live documents of one partition with the given ids (a single-partition query).</summary>
    public static CosmosSql ReadMany(string partitionKey, IReadOnlyList<string> ids)
    {
        var builder = new CosmosQueryBuilder();
        builder
            .Text.Append("SELECT * FROM c WHERE c.pk = ")
            .Append(builder.Parameter(partitionKey))
            .Append(" AND ARRAY_CONTAINS(")
            .Append(builder.Parameter(ids.ToArray()))
            .Append(", c.id) AND NOT IS_DEFINED(c._deleted)");
        return builder.Build();
    }

    private CosmosSql Build() => new(Text.ToString(), _parameters);

    private void AppendScope(string type, string? partitionKey)
    {
        Text.Append("c.type = ").Append(Parameter(type));
        if (partitionKey is not null)
        {
            Text.Append(" AND c.pk = ").Append(Parameter(partitionKey));
        }
        Text.Append(" AND NOT IS_DEFINED(c._deleted)");
    }

    /// <summary>Every leaf is a definite boolean (see the class remarks), so NOT is null-safe.</summary>
    protected override void AppendNot(Condition condition)
    {
        Text.Append("NOT (");
        Append(condition);
        Text.Append(')');
    }

    protected override void AppendEqual(string field, ScalarValue operand) => Typed(field, "=", operand);

    protected override void AppendNotEqual(string field, ScalarValue operand)
    {
        Text.Append("NOT ");
        Typed(field, "=", operand);
    }

    protected override void AppendOrdered(string field, string op, ScalarValue operand) => Typed(field, op, operand);

    protected override void AppendBetween(string field, ScalarValue low, ScalarValue high)
    {
        if (low.IsNull || high.IsNull)
        {
            Text.Append("false");
            return;
        }
        Text.Append('(');
        Typed(field, ">=", low);
        Text.Append(" AND ");
        Typed(field, "<=", high);
        Text.Append(')');
    }

    protected override void AppendNotIn(string field, IReadOnlyList<ScalarValue> operands)
    {
        Text.Append("NOT ");
        AppendIn(field, operands);
    }

    protected override void AppendStartsWith(string field, ScalarValue operand) => AppendStringFunction("STARTSWITH", field, operand);

    protected override void AppendContains(string field, ScalarValue operand) => AppendStringFunction("CONTAINS", field, operand);

    /// <summary><c>(IS_K(f) AND f op @p)</c>: false, never undefined, for a missing value or another type.</summary>
    private void Typed(string field, string op, ScalarValue operand)
    {
        if (operand.IsNull)
        {
            // Ordering against null matches nothing (SQL NULL semantics in SQLite).
            Text.Append("false");
            return;
        }
        Text.Append('(');
        TypedTerm(field, op, operand);
        Text.Append(')');
    }

    /// <summary>Membership, one typed IN per operand type; null operands match nothing (as SQL IN).</summary>
    protected override void AppendIn(string field, IReadOnlyList<ScalarValue> operands)
    {
        var groups = operands.Where(o => !o.IsNull).Distinct().GroupBy(o => o.Kind).ToList();
        if (groups.Count == 0)
        {
            Text.Append("false");
            return;
        }
        Text.Append('(');
        for (var g = 0; g < groups.Count; g++)
        {
            if (g > 0)
            {
                Text.Append(" OR ");
            }
            Text.Append('(').Append(TypeCheck(groups[g].Key)).Append('(').Append(field).Append(") AND ").Append(field).Append(" IN (");
            var first = true;
            foreach (var operand in groups[g])
            {
                Text.Append(first ? "" : ", ").Append(Parameter(operand));
                first = false;
            }
            Text.Append("))");
        }
        Text.Append(')');
    }

    private void AppendStringFunction(string function, string field, ScalarValue operand)
    {
        if (operand.Kind != ScalarKind.String)
        {
            Text.Append("false");
            return;
        }
        Text.Append("(IS_STRING(")
            .Append(field)
            .Append(") AND ")
            .Append(function)
            .Append('(')
            .Append(field)
            .Append(", ")
            .Append(Parameter(operand))
            .Append("))");
    }

    protected override void AppendMissing(string field) =>
        Text.Append("(NOT IS_DEFINED(").Append(field).Append(") OR IS_NULL(").Append(field).Append("))");

    protected override void AppendPresent(string field) =>
        Text.Append("(IS_DEFINED(").Append(field).Append(") AND NOT IS_NULL(").Append(field).Append("))");

    /// <summary>
    /// A keyset term follows Cosmos's ORDER BY across types (missing, booleans, numbers, strings):
    /// equal means the same type and value, <c>IS_K(f) AND f = @p</c>.
    /// </summary>
    protected override void AppendKeyEqual(string field, ScalarValue value)
    {
        if (value.IsNull)
        {
            AppendMissing(field);
        }
        else
        {
            TypedTerm(field, "=", value);
        }
    }

    protected override void AppendIdAfter(string id) => Text.Append("c.id > ").Append(Parameter(id));

    /// <summary>Values after <paramref name="value"/> in the direction of the sort, as one AND-term.</summary>
    protected override void AppendKeyAfter(string field, ScalarValue value, bool descending)
    {
        if (value.IsNull)
        {
            if (descending)
            {
                // Missing values come last in descending order: nothing follows them.
                Text.Append("false");
            }
            else
            {
                AppendPresent(field);
            }
            return;
        }
        var rank = Rank(value.Kind);
        var others = OrderedKinds.Where(k => descending ? Rank(k) < rank : Rank(k) > rank).ToList();
        if (others.Count == 0 && !descending)
        {
            TypedTerm(field, ">", value);
            return;
        }
        Text.Append('(');
        TypedTerm(field, descending ? "<" : ">", value);
        foreach (var kind in others)
        {
            Text.Append(" OR ").Append(TypeCheck(kind)).Append('(').Append(field).Append(')');
        }
        if (descending)
        {
            Text.Append(" OR NOT IS_DEFINED(").Append(field).Append(") OR IS_NULL(").Append(field).Append(')');
        }
        Text.Append(')');
    }

    /// <summary><c>IS_K(f) AND f op @p</c> without parentheses, for AND chains.</summary>
    private void TypedTerm(string field, string op, ScalarValue operand) =>
        Text.Append(TypeCheck(operand.Kind))
            .Append('(')
            .Append(field)
            .Append(") AND ")
            .Append(field)
            .Append(' ')
            .Append(op)
            .Append(' ')
            .Append(Parameter(operand));

    private static int Rank(ScalarKind kind) =>
        kind switch
        {
            ScalarKind.Boolean => 1,
            ScalarKind.Number => 2,
            ScalarKind.String => 3,
            _ => 0,
        };

    private static string TypeCheck(ScalarKind kind) =>
        kind switch
        {
            ScalarKind.String => "IS_STRING",
            ScalarKind.Number => "IS_NUMBER",
            ScalarKind.Boolean => "IS_BOOL",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Null has no type check."),
        };

    private string Parameter(ScalarValue value) =>
        Parameter(
            value.Kind switch
            {
                ScalarKind.String => value.AsString,
                ScalarKind.Number => value.AsNumber,
                ScalarKind.Boolean => value.AsBoolean,
                _ => null,
            }
        );

    private string Parameter(object? value)
    {
        var name = "@p" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add(new CosmosParameter(name, value));
        return name;
    }
}
