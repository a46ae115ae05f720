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

/// <summary>
/// A date field compared with an instant relative to evaluation time: <c>Ago</c> before now
/// (<c>{"field":"lastLogin","op":"gte","value":{"ago":"P30D"}}</c>). <c>Within</c> means
/// "in the last <c>Ago</c>": after now - Ago and not after now.
/// </summary>
public sealed record RelativeDateComparison(FieldPath Field, RelativeOperator Operator, TimeSpan Ago, TimeSpan? UpperAgo = null)
    : Condition;

/// <summary>Comparisons with "now minus a duration".</summary>
public enum RelativeOperator
{
    Gt,
    Gte,
    Lt,
    Lte,

    /// <summary>Between two relative instants, inclusive (older bound first: Ago, then UpperAgo).</summary>
    Between,

    /// <summary>In the last Ago: after now - Ago and not after now.</summary>
    Within,
}

/// <summary>A string field matched by a regular expression (with a match-time limit).</summary>
public sealed record RegexMatch(FieldPath Field, string Pattern) : Condition;

/// <summary>Aggregates a behaviour condition can compute over a customer's events.</summary>
public enum BehaviorFunction
{
    Count,
    Sum,
    Min,
    Max,
    Avg,
    Distinct,
    First,
    Last,
}

/// <summary>
/// A condition over the customer's behaviour: an aggregate of their events of a type in a
/// rolling window, compared with a number (or, for <c>first</c>/<c>last</c>, with an instant):
/// <c>{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}</c>.
/// Evaluated against values the caller fetched from the behaviour store (window = (asOf - window, asOf]).
/// For <c>first</c>/<c>last</c>, <see cref="When"/> compares the event's time instead (its field is ignored).
/// </summary>
public sealed record BehaviorCondition(
    string EventType,
    BehaviorFunction Aggregate,
    string? Property,
    TimeSpan? Window,
    ComparisonOperator Operator,
    EquatableArray<double> Operands,
    RelativeDateComparison? When = null
) : Condition
{
    /// <summary>The identity of the aggregate (what to fetch), independent of the comparison.</summary>
    public BehaviorKey Key => new(EventType, Aggregate, Property, Window);
}

/// <summary>One aggregate to fetch for a customer: event type, function, property and window.</summary>
public readonly record struct BehaviorKey(string EventType, BehaviorFunction Aggregate, string? Property, TimeSpan? Window);
