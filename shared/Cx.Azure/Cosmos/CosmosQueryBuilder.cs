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
/// Translates the condition tree and keyset pagination into parameterised Cosmos SQL, with the
/// semantics of <c>SqliteQueryBuilder</c>:
/// <list type="bullet">
/// <item>A missing value (or JSON null) matches no comparison except <c>ne</c>, <c>nin</c> and
/// <c>exists=false</c>. Cosmos compares values of different types (and undefined) as
/// <c>undefined</c>, and <c>NOT undefined</c> is still undefined, so every comparison is
/// guarded by a type check (<c>IS_STRING(f) AND f = @p</c>). Each leaf is therefore a definite
/// true/false and <c>NOT</c> is null-safe, as in SQLite.</item>
/// <item>Pages are ordered by <c>type</c>, the sort fields and <c>id</c>: the type prefix lets the
/// equality filter on type and the ORDER BY share one composite index (type, field, id).</item>
/// <item>Missing values sort lowest, as Cosmos orders them (undefined, null, booleans,
/// numbers, strings); the keyset predicate follows that order across types.</item>
/// <item>Tombstones (deleted documents waiting for the change feed) are excluded.</item>
/// </list>
/// Field paths are validated identifiers (<see cref="FieldPath"/>) and are written in bracket
/// notation (<c>c["a"]["b"]</c>), so names that are Cosmos keywords (<c>value</c>, <c>order</c>)
/// are safe.
/// </summary>
/// <remarks>
/// Cosmos orders a missing value before an explicit JSON null, while the keyset treats both as
/// "missing". Documents written through the content model never hold explicit nulls (the
/// validator drops them), so pages stay stable; a sort field that mixes both could repeat or
/// skip those rows across pages.
/// </remarks>
public sealed class CosmosQueryBuilder
{
    private static readonly ScalarKind[] OrderedKinds = [ScalarKind.Boolean, ScalarKind.Number, ScalarKind.String];
    private readonly StringBuilder _sql = new();
    private readonly List<CosmosParameter> _parameters = [];

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
        var sql = builder._sql;
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
        builder._sql.Append("SELECT VALUE COUNT(1) FROM c WHERE ");
        builder.AppendScope(type, partitionKey: null);
        if (filter is not null)
        {
            builder._sql.Append(" AND ");
            builder.Append(filter);
        }
        return builder.Build();
    }

    /// <summary>Live documents of one partition with the given ids (a single-partition query).</summary>
    public static CosmosSql ReadMany(string partitionKey, IReadOnlyList<string> ids)
    {
        var builder = new CosmosQueryBuilder();
        builder
            ._sql.Append("SELECT * FROM c WHERE c.pk = ")
            .Append(builder.Parameter(partitionKey))
            .Append(" AND ARRAY_CONTAINS(")
            .Append(builder.Parameter(ids.ToArray()))
            .Append(", c.id) AND NOT IS_DEFINED(c._deleted)");
        return builder.Build();
    }

    private CosmosSql Build() => new(_sql.ToString(), _parameters);

    private void AppendScope(string type, string? partitionKey)
    {
        _sql.Append("c.type = ").Append(Parameter(type));
        if (partitionKey is not null)
        {
            _sql.Append(" AND c.pk = ").Append(Parameter(partitionKey));
        }
        _sql.Append(" AND NOT IS_DEFINED(c._deleted)");
    }

    private void Append(Condition condition)
    {
        switch (condition)
        {
            case Comparison comparison:
                AppendComparison(comparison);
                break;
            case AllOf all:
                AppendGroup(all.Conditions, " AND ", "true");
                break;
            case AnyOf any:
                AppendGroup(any.Conditions, " OR ", "false");
                break;
            case Not not:
                // Every leaf is a definite boolean (see the class remarks), so NOT is null-safe.
                _sql.Append("NOT (");
                Append(not.Condition);
                _sql.Append(')');
                break;
            default:
                throw new NotSupportedException($"The Cosmos DB store cannot evaluate {condition.GetType().Name}.");
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
        var field = Field(comparison.Field);
        var operands = comparison.Operands;
        switch (comparison.Operator)
        {
            case ComparisonOperator.Eq when comparison.Operand.IsNull:
                AppendMissing(field);
                break;
            case ComparisonOperator.Ne when comparison.Operand.IsNull:
                AppendPresent(field);
                break;
            case ComparisonOperator.Eq:
                Typed(field, "=", comparison.Operand);
                break;
            case ComparisonOperator.Ne:
                _sql.Append("NOT ");
                Typed(field, "=", comparison.Operand);
                break;
            case ComparisonOperator.Gt:
                Typed(field, ">", comparison.Operand);
                break;
            case ComparisonOperator.Gte:
                Typed(field, ">=", comparison.Operand);
                break;
            case ComparisonOperator.Lt:
                Typed(field, "<", comparison.Operand);
                break;
            case ComparisonOperator.Lte:
                Typed(field, "<=", comparison.Operand);
                break;
            case ComparisonOperator.Between:
                if (operands[0].IsNull || operands[1].IsNull)
                {
                    _sql.Append("false");
                    break;
                }
                _sql.Append('(');
                Typed(field, ">=", operands[0]);
                _sql.Append(" AND ");
                Typed(field, "<=", operands[1]);
                _sql.Append(')');
                break;
            case ComparisonOperator.In:
                AppendIn(field, operands);
                break;
            case ComparisonOperator.Nin:
                _sql.Append("NOT ");
                AppendIn(field, operands);
                break;
            case ComparisonOperator.Exists:
                if (comparison.Operand.Kind == ScalarKind.Boolean && comparison.Operand.AsBoolean)
                {
                    AppendPresent(field);
                }
                else
                {
                    AppendMissing(field);
                }
                break;
            case ComparisonOperator.StartsWith:
                AppendStringFunction("STARTSWITH", field, comparison.Operand);
                break;
            case ComparisonOperator.Contains:
                AppendStringFunction("CONTAINS", field, comparison.Operand);
                break;
            default:
                throw new NotSupportedException($"Operator {comparison.Operator} is not supported.");
        }
    }

    /// <summary><c>(IS_K(f) AND f op @p)</c>: false, never undefined, for a missing value or another type.</summary>
    private void Typed(string field, string op, ScalarValue operand)
    {
        if (operand.IsNull)
        {
            // Ordering against null matches nothing (SQL NULL semantics in SQLite).
            _sql.Append("false");
            return;
        }
        _sql.Append('(')
            .Append(TypeCheck(operand.Kind))
            .Append('(')
            .Append(field)
            .Append(") AND ")
            .Append(field)
            .Append(' ')
            .Append(op)
            .Append(' ')
            .Append(Parameter(operand))
            .Append(')');
    }

    /// <summary>Membership, one typed IN per operand type; null operands match nothing (as SQL IN).</summary>
    private void AppendIn(string field, IReadOnlyList<ScalarValue> operands)
    {
        var groups = operands.Where(o => !o.IsNull).Distinct().GroupBy(o => o.Kind).ToList();
        if (groups.Count == 0)
        {
            _sql.Append("false");
            return;
        }
        _sql.Append('(');
        for (var g = 0; g < groups.Count; g++)
        {
            if (g > 0)
            {
                _sql.Append(" OR ");
            }
            _sql.Append('(').Append(TypeCheck(groups[g].Key)).Append('(').Append(field).Append(") AND ").Append(field).Append(" IN (");
            var first = true;
            foreach (var operand in groups[g])
            {
                _sql.Append(first ? "" : ", ").Append(Parameter(operand));
                first = false;
            }
            _sql.Append("))");
        }
        _sql.Append(')');
    }

    private void AppendStringFunction(string function, string field, ScalarValue operand)
    {
        if (operand.Kind != ScalarKind.String)
        {
            _sql.Append("false");
            return;
        }
        _sql.Append("(IS_STRING(")
            .Append(field)
            .Append(") AND ")
            .Append(function)
            .Append('(')
            .Append(field)
            .Append(", ")
            .Append(Parameter(operand))
            .Append("))");
    }

    private void AppendMissing(string field) =>
        _sql.Append("(NOT IS_DEFINED(").Append(field).Append(") OR IS_NULL(").Append(field).Append("))");

    private void AppendPresent(string field) =>
        _sql.Append("(IS_DEFINED(").Append(field).Append(") AND NOT IS_NULL(").Append(field).Append("))");

    /// <summary>
    /// Rows strictly after the keyset in (sort keys..., id) order, following Cosmos's ORDER BY
    /// across types: missing, booleans, numbers, strings. Written flat, relying on AND binding
    /// tighter than OR: <c>(k0 &gt; v0 OR k0 = v0 AND k1 &gt; v1 OR ... OR k0 = v0 AND ... AND c.id &gt; @id)</c>,
    /// where each typed comparison is <c>IS_K(f) AND f op @p</c>.
    /// </summary>
    private void AppendKeyset(IReadOnlyList<SortField> sort, Keyset after)
    {
        _sql.Append('(');
        for (var i = 0; i <= sort.Count; i++)
        {
            if (i > 0)
            {
                _sql.Append(" OR ");
            }
            for (var j = 0; j < i; j++)
            {
                var value = after.Values[j];
                if (value.IsNull)
                {
                    AppendMissing(Field(sort[j].Field));
                }
                else
                {
                    TypedTerm(Field(sort[j].Field), "=", value);
                }
                _sql.Append(" AND ");
            }
            if (i == sort.Count)
            {
                _sql.Append("c.id > ").Append(Parameter(after.Id));
            }
            else
            {
                AppendAfter(Field(sort[i].Field), after.Values[i], sort[i].Descending);
            }
        }
        _sql.Append(')');
    }

    /// <summary>Values after <paramref name="value"/> in the direction of the sort, as one AND-term.</summary>
    private void AppendAfter(string field, ScalarValue value, bool descending)
    {
        if (value.IsNull)
        {
            if (descending)
            {
                // Missing values come last in descending order: nothing follows them.
                _sql.Append("false");
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
        _sql.Append('(');
        TypedTerm(field, descending ? "<" : ">", value);
        foreach (var kind in others)
        {
            _sql.Append(" OR ").Append(TypeCheck(kind)).Append('(').Append(field).Append(')');
        }
        if (descending)
        {
            _sql.Append(" OR NOT IS_DEFINED(").Append(field).Append(") OR IS_NULL(").Append(field).Append(')');
        }
        _sql.Append(')');
    }

    /// <summary><c>IS_K(f) AND f op @p</c> without parentheses, for AND chains.</summary>
    private void TypedTerm(string field, string op, ScalarValue operand) =>
        _sql.Append(TypeCheck(operand.Kind))
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
