using System.Globalization;
using System.Text.RegularExpressions;
using Cx.Core.Common;

namespace Cx.Core.Rules;

/// <summary>Why a rule holds or not for one profile: each condition, the value it saw, and its result.</summary>
public sealed record Explanation(string Condition, bool Result, string? Observed = null, IReadOnlyList<Explanation>? Children = null);

/// <summary>
/// Evaluates a rule the slow, talkative way (same semantics as <see cref="RuleCompiler"/>, which a
/// test holds equal) to tell a marketer why a customer is or is not in a segment.
/// </summary>
public static class RuleExplainer
{
    public static Explanation Explain(Condition condition, RuleSlots slots, ProfileFacts facts, long nowMs)
    {
        slots.Register(condition);
        if (facts.Values.Length != slots.Fields.Count || facts.Behaviors.Length != slots.Behaviors.Count)
        {
            throw new InvalidOperationException(
                "The facts were loaded before this rule was registered with the slot table; register (or compile) first."
            );
        }
        return ExplainNode(condition, slots, facts, nowMs);
    }

    private static Explanation ExplainNode(Condition condition, RuleSlots slots, ProfileFacts facts, long nowMs) =>
        condition switch
        {
            AllOf all => Group("all of", all.Conditions, slots, facts, nowMs, children => children.All(c => c.Result)),
            AnyOf any => Group("any of", any.Conditions, slots, facts, nowMs, children => children.Any(c => c.Result)),
            Not not => Negated(ExplainNode(not.Condition, slots, facts, nowMs)),
            Comparison comparison => ExplainComparison(comparison, slots, facts),
            RelativeDateComparison relative => ExplainRelative(relative, slots, facts, nowMs),
            RegexMatch match => new Explanation(
                $"{match.Field} matches /{match.Pattern}/",
                RuleCompiler.MatchesAny(RuleParser.CreateRegex(match.Pattern), facts.Values[slots.Field(match.Field)]),
                facts.Values[slots.Field(match.Field)].ToString()
            ),
            BehaviorCondition behavior => ExplainBehavior(behavior, slots, facts, nowMs),
            _ => throw new NotSupportedException(condition.GetType().Name),
        };

    private static Explanation Group(
        string name,
        IReadOnlyList<Condition> conditions,
        RuleSlots slots,
        ProfileFacts facts,
        long nowMs,
        Func<IReadOnlyList<Explanation>, bool> combine
    )
    {
        var children = conditions.Select(c => ExplainNode(c, slots, facts, nowMs)).ToList();
        return new Explanation(name, combine(children), Children: children);
    }

    private static Explanation Negated(Explanation inner) => new("not", !inner.Result, Children: [inner]);

    private static Explanation ExplainComparison(Comparison comparison, RuleSlots slots, ProfileFacts facts)
    {
        var slot = slots.Field(comparison.Field);
        var observed = facts.Values[slot];
        var compiled = RuleCompiler.Compile(comparison, slots);
        var operands = comparison.Operator switch
        {
            ComparisonOperator.Exists => "",
            ComparisonOperator.Between => $" [{comparison.Operands[0]}, {comparison.Operands[1]}]",
            ComparisonOperator.In or ComparisonOperator.Nin => " ["
                + string.Join(", ", comparison.Operands.Select(o => o.ToString()))
                + "]",
            _ => " " + comparison.Operand,
        };
        var text =
            comparison.Operator == ComparisonOperator.Exists
                ? $"{comparison.Field} {(comparison.Operand.AsBoolean ? "exists" : "does not exist")}"
                : $"{comparison.Field} {Name(comparison.Operator)}{operands}";
        return new Explanation(text, compiled(facts, 0), observed.ToString());
    }

    private static Explanation ExplainRelative(RelativeDateComparison relative, RuleSlots slots, ProfileFacts facts, long nowMs)
    {
        var observed = facts.Values[slots.Field(relative.Field)];
        var threshold = nowMs - (long)relative.Ago.TotalMilliseconds;
        var upper = nowMs - (long)(relative.UpperAgo?.TotalMilliseconds ?? 0);
        var text = relative.Operator switch
        {
            RelativeOperator.Within => $"{relative.Field} within the last {IsoDuration.Format(relative.Ago)} (after {Instant(threshold)})",
            RelativeOperator.Between => $"{relative.Field} between {Instant(threshold)} and {Instant(upper)}",
            _ =>
                $"{relative.Field} {relative.Operator.ToString().ToLowerInvariant()} now - {IsoDuration.Format(relative.Ago)} ({Instant(threshold)})",
        };
        return new Explanation(text, RuleCompiler.AnyInstant(observed, relative.Operator, threshold, upper, nowMs), observed.ToString());
    }

    private static Explanation ExplainBehavior(BehaviorCondition behavior, RuleSlots slots, ProfileFacts facts, long nowMs)
    {
        var value = facts.Behaviors[slots.Behavior(behavior.Key)];
        var window = behavior.Window is { } w ? $" in the last {IsoDuration.Format(w)}" : "";
        var of = behavior.Property is { } p ? $" of {p}" : "";
        var subject = $"{behavior.Aggregate.ToString().ToLowerInvariant()}{of} of {behavior.EventType} events{window}";
        if (behavior.When is { } when)
        {
            var threshold = nowMs - (long)when.Ago.TotalMilliseconds;
            var observedAt = double.IsNaN(value) ? "(no such event)" : Instant((long)value);
            return new Explanation(
                $"time of {subject} {when.Operator.ToString().ToLowerInvariant()} {Instant(threshold)}",
                RuleCompiler.TestInstant(value, when.Operator, threshold, nowMs, nowMs),
                observedAt
            );
        }
        var operands =
            behavior.Operator == ComparisonOperator.Between
                ? $"[{Number(behavior.Operands[0])}, {Number(behavior.Operands[1])}]"
                : Number(behavior.Operands[0]);
        var result = RuleCompiler.TestNumber(
            value,
            behavior.Operator,
            behavior.Operands[0],
            behavior.Operands.Count > 1 ? behavior.Operands[1] : double.NaN
        );
        return new Explanation(
            $"{subject} {Name(behavior.Operator)} {operands}",
            result,
            double.IsNaN(value) ? "(no value)" : Number(value)
        );
    }

    private static string Name(ComparisonOperator op) =>
        op switch
        {
            ComparisonOperator.StartsWith => "starts with",
            ComparisonOperator.Nin => "not in",
            _ => op.ToString().ToLowerInvariant(),
        };

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Instant(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
