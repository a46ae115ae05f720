using Cx.Core.Common;

namespace Cx.Core.Rules;

/// <summary>Comparison operators shared by list filters and segment rules.</summary>
public enum ComparisonOperator
{
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Nin,
    Between,
    Exists,
    Contains,
    StartsWith,
}

/// <summary>
/// The one condition tree of Cx: list filters and rules parse into it, stores translate it
/// (SQLite SQL, Cosmos SQL) and the rule engine compiles it, so a preview and a stored query
/// cannot disagree. A missing field never matches a comparison (only <c>Ne</c>/<c>Nin</c> and
/// <c>Exists=false</c>).
/// </summary>
public abstract record Condition;

/// <summary>
/// A field compared with operands: one for <c>Eq</c>..<c>Lte</c>, <c>Contains</c>,
/// <c>StartsWith</c>; one or more for <c>In</c>/<c>Nin</c>; two (inclusive) for <c>Between</c>;
/// one boolean for <c>Exists</c>.
/// </summary>
public sealed record Comparison(FieldPath Field, ComparisonOperator Operator, EquatableArray<ScalarValue> Operands) : Condition
{
    public Comparison(FieldPath field, ComparisonOperator op, ScalarValue operand)
        : this(field, op, new EquatableArray<ScalarValue>([operand])) { }

    public ScalarValue Operand => Operands[0];
}

public sealed record AllOf(EquatableArray<Condition> Conditions) : Condition;

public sealed record AnyOf(EquatableArray<Condition> Conditions) : Condition;

public sealed record Not(Condition Condition) : Condition;
