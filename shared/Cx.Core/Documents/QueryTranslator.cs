using System.Text;
using Cx.Core.Rules;

namespace Cx.Core.Documents;

/// <summary>
/// The one visitor that turns a <see cref="DocumentQuery"/>'s filter and keyset into a store's
/// query text. It walks <see cref="AllOf"/>, <see cref="AnyOf"/> and <see cref="Not"/>, sends each
/// <see cref="Comparison"/> to one method per operator and writes the keyset predicate; each store
/// (SQLite SQL, Cosmos SQL) extends it with its dialect: field expressions, parameters and how a
/// missing value is tested. Every leaf a dialect writes is a definite true or false for a missing
/// value (only <c>ne</c>, <c>nin</c> and <c>exists=false</c> match one), so <c>NOT</c> stays safe.
/// Values are always parameters; the text holds only field expressions the dialect built from
/// validated <see cref="FieldPath"/>s.
/// </summary>
public abstract class QueryTranslator
{
    /// <summary>The query text written so far.</summary>
    protected StringBuilder Text { get; } = new();

    /// <summary>The store, as named when a condition cannot be translated ("The SQLite store").</summary>
    protected abstract string StoreName { get; }

    /// <summary>The text of an empty <see cref="AllOf"/>.</summary>
    protected abstract string True { get; }

    /// <summary>The text of an empty <see cref="AnyOf"/>.</summary>
    protected abstract string False { get; }

    /// <summary>The dialect's expression for a field of the document body.</summary>
    protected abstract string Expression(FieldPath field);

    /// <summary>Writes a condition. Rules that need time or behaviour are evaluated in memory, never by a store.</summary>
    protected void Append(Condition condition)
    {
        switch (condition)
        {
            case Comparison comparison:
                AppendComparison(comparison);
                break;
            case AllOf all:
                AppendGroup(all.Conditions, " AND ", True);
                break;
            case AnyOf any:
                AppendGroup(any.Conditions, " OR ", False);
                break;
            case Not not:
                AppendNot(not.Condition);
                break;
            default:
                throw new NotSupportedException($"{StoreName} cannot evaluate {condition.GetType().Name}.");
        }
    }

    /// <summary>Writes the negation of <paramref name="condition"/> (written with <see cref="Append"/>).</summary>
    protected abstract void AppendNot(Condition condition);

    /// <summary>The field has no value (missing or JSON null).</summary>
    protected abstract void AppendMissing(string field);

    /// <summary>The field has a value.</summary>
    protected abstract void AppendPresent(string field);

    /// <summary>The field equals a non-null operand.</summary>
    protected abstract void AppendEqual(string field, ScalarValue operand);

    /// <summary>The field is missing or differs from a non-null operand.</summary>
    protected abstract void AppendNotEqual(string field, ScalarValue operand);

    /// <summary>The field compares with the operand by <paramref name="op"/>: <c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c> or <c>&lt;=</c>.</summary>
    protected abstract void AppendOrdered(string field, string op, ScalarValue operand);

    /// <summary>The field lies between the operands, both inclusive.</summary>
    protected abstract void AppendBetween(string field, ScalarValue low, ScalarValue high);

    /// <summary>The field equals one of the operands (null operands match nothing).</summary>
    protected abstract void AppendIn(string field, IReadOnlyList<ScalarValue> operands);

    /// <summary>The field is missing or equals none of the operands.</summary>
    protected abstract void AppendNotIn(string field, IReadOnlyList<ScalarValue> operands);

    /// <summary>The field is a string that starts with the operand.</summary>
    protected abstract void AppendStartsWith(string field, ScalarValue operand);

    /// <summary>The field is a string that contains the operand.</summary>
    protected abstract void AppendContains(string field, ScalarValue operand);

    /// <summary>In a keyset term: the sort field equals the keyset's value (null: is missing).</summary>
    protected abstract void AppendKeyEqual(string field, ScalarValue value);

    /// <summary>In a keyset term: the sort field comes after the keyset's value in the direction of the sort.</summary>
    protected abstract void AppendKeyAfter(string field, ScalarValue value, bool descending);

    /// <summary>In the last keyset term: the id comes after the keyset's id.</summary>
    protected abstract void AppendIdAfter(string id);

    /// <summary>
    /// Rows strictly after the keyset in (sort keys..., id) order, written flat (AND binds tighter
    /// than OR): <c>(k0 after v0 OR k0 = v0 AND k1 after v1 OR ... OR k0 = v0 AND ... AND id &gt; @id)</c>.
    /// </summary>
    protected void AppendKeyset(IReadOnlyList<SortField> sort, Keyset after)
    {
        Text.Append('(');
        for (var i = 0; i <= sort.Count; i++)
        {
            if (i > 0)
            {
                Text.Append(" OR ");
            }
            for (var j = 0; j < i; j++)
            {
                AppendKeyEqual(Expression(sort[j].Field), after.Values[j]);
                Text.Append(" AND ");
            }
            if (i == sort.Count)
            {
                AppendIdAfter(after.Id);
            }
            else
            {
                AppendKeyAfter(Expression(sort[i].Field), after.Values[i], sort[i].Descending);
            }
        }
        Text.Append(')');
    }

    private void AppendGroup(IReadOnlyList<Condition> conditions, string separator, string empty)
    {
        if (conditions.Count == 0)
        {
            Text.Append(empty);
            return;
        }
        Text.Append('(');
        for (var i = 0; i < conditions.Count; i++)
        {
            if (i > 0)
            {
                Text.Append(separator);
            }
            Append(conditions[i]);
        }
        Text.Append(')');
    }

    private void AppendComparison(Comparison comparison)
    {
        var field = Expression(comparison.Field);
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
                AppendEqual(field, comparison.Operand);
                break;
            case ComparisonOperator.Ne:
                AppendNotEqual(field, comparison.Operand);
                break;
            case ComparisonOperator.Gt:
                AppendOrdered(field, ">", comparison.Operand);
                break;
            case ComparisonOperator.Gte:
                AppendOrdered(field, ">=", comparison.Operand);
                break;
            case ComparisonOperator.Lt:
                AppendOrdered(field, "<", comparison.Operand);
                break;
            case ComparisonOperator.Lte:
                AppendOrdered(field, "<=", comparison.Operand);
                break;
            case ComparisonOperator.Between:
                AppendBetween(field, operands[0], operands[1]);
                break;
            case ComparisonOperator.In:
                AppendIn(field, operands);
                break;
            case ComparisonOperator.Nin:
                AppendNotIn(field, operands);
                break;
            case ComparisonOperator.Exists when comparison.Operand.Kind == ScalarKind.Boolean && comparison.Operand.AsBoolean:
                AppendPresent(field);
                break;
            case ComparisonOperator.Exists:
                AppendMissing(field);
                break;
            case ComparisonOperator.StartsWith:
                AppendStartsWith(field, comparison.Operand);
                break;
            case ComparisonOperator.Contains:
                AppendContains(field, comparison.Operand);
                break;
            default:
                throw new NotSupportedException($"Operator {comparison.Operator} is not supported.");
        }
    }
}
