// Longer than 400 lines on purpose: the compiled form of a rule in one place: the fact values,
// the slots that map profile fields to them, and the compiler that turns each condition into a
// delegate over those slots (changing one means reading the other two).
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Rules;

/// <summary>One value of a profile as rules see it: text, number, boolean, instant (Unix ms), or several values.</summary>
public readonly struct Fact
{
    public readonly FactKind Kind;
    public readonly string? Text;
    public readonly double Number;
    public readonly Fact[]? Items;

    private Fact(FactKind kind, string? text, double number, Fact[]? items)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Items = items;
    }

    public static Fact Missing => default;

    public static Fact OfText(string text) => new(FactKind.Text, text, 0, null);

    public static Fact OfNumber(double number) => new(FactKind.Number, null, number, null);

    public static Fact OfBoolean(bool value) => new(FactKind.Boolean, null, value ? 1 : 0, null);

    public static Fact OfInstant(double unixMs) => new(FactKind.Instant, null, unixMs, null);

    public static Fact Structure => new(FactKind.Structure, null, 0, null);

    public static Fact OfMany(Fact[] items) => new(FactKind.Many, null, 0, items);

    public bool IsMissing => Kind == FactKind.Missing || (Kind == FactKind.Many && Items!.Length == 0);

    public override string ToString() =>
        Kind switch
        {
            FactKind.Text => Text!,
            FactKind.Number => Number.ToString("R", CultureInfo.InvariantCulture),
            FactKind.Boolean => Number != 0 ? "true" : "false",
            FactKind.Instant => DateTimeOffset
                .FromUnixTimeMilliseconds((long)Number)
                .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            FactKind.Many => "[" + string.Join(", ", Items!.Select(i => i.ToString())) + "]",
            FactKind.Structure => "{...}",
            _ => "(missing)",
        };
}

/// <summary>
/// The slot table shared by a set of compiled rules: every field path and behaviour aggregate
/// they read, each at a fixed index, so evaluation indexes arrays instead of looking up names.
/// </summary>
public sealed class RuleSlots(ContentSchema schema)
{
    private readonly List<ResolvedPath> _fields = [];
    private readonly List<BehaviorKey> _behaviors = [];

    public ContentSchema Schema => schema;

    public IReadOnlyList<ResolvedPath> Fields => _fields;

    public IReadOnlyList<BehaviorKey> Behaviors => _behaviors;

    public int Field(FieldPath path)
    {
        for (var i = 0; i < _fields.Count; i++)
        {
            if (_fields[i].Path.Equals(path))
            {
                return i;
            }
        }
        _fields.Add(SchemaPaths.Resolve(schema, path) ?? throw new ArgumentException($"'{path}' is not a field of '{schema.Key}'."));
        return _fields.Count - 1;
    }

    /// <summary>Registers every field and aggregate a condition reads (compiling does this too). Load facts after.</summary>
    public void Register(Condition condition)
    {
        switch (condition)
        {
            case AllOf all:
                foreach (var child in all.Conditions)
                {
                    Register(child);
                }
                break;
            case AnyOf any:
                foreach (var child in any.Conditions)
                {
                    Register(child);
                }
                break;
            case Not not:
                Register(not.Condition);
                break;
            case Comparison comparison:
                Field(comparison.Field);
                break;
            case RelativeDateComparison relative:
                Field(relative.Field);
                break;
            case RegexMatch match:
                Field(match.Field);
                break;
            case BehaviorCondition behavior:
                Behavior(behavior.Key);
                break;
        }
    }

    public int Behavior(BehaviorKey key)
    {
        var index = _behaviors.IndexOf(key);
        if (index >= 0)
        {
            return index;
        }
        _behaviors.Add(key);
        return _behaviors.Count - 1;
    }

    /// <summary>Reads a profile's values for every field slot (done once per profile, not per rule).</summary>
    public ProfileFacts Load(JsonElement profile, string customerId)
    {
        var facts = new ProfileFacts(customerId, new Fact[_fields.Count], new double[_behaviors.Count]);
        for (var i = 0; i < _fields.Count; i++)
        {
            facts.Values[i] = Read(profile, _fields[i]);
        }
        Array.Fill(facts.Behaviors, double.NaN);
        return facts;
    }

    private static Fact Read(JsonElement profile, ResolvedPath field)
    {
        if (!field.Many)
        {
            var current = profile;
            foreach (var segment in field.Path.Segments)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
                {
                    return Fact.Missing;
                }
            }
            return Convert(current, field.Kind);
        }
        var values = new List<Fact>();
        Collect(profile, field.Path.Segments, 0, field.Kind, values);
        return Fact.OfMany([.. values]);
    }

    private static void Collect(JsonElement node, IReadOnlyList<string> segments, int index, FactKind kind, List<Fact> values)
    {
        if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in node.EnumerateArray())
            {
                Collect(item, segments, index, kind, values);
            }
            return;
        }
        if (index == segments.Count)
        {
            var fact = Convert(node, kind);
            if (!fact.IsMissing)
            {
                values.Add(fact);
            }
            return;
        }
        if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(segments[index], out var next))
        {
            Collect(next, segments, index + 1, kind, values);
        }
    }

    private static Fact Convert(JsonElement value, FactKind kind) =>
        value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => Fact.Missing,
            JsonValueKind.Object or JsonValueKind.Array => Fact.Structure,
            _ when kind == FactKind.Instant
                    && value.ValueKind == JsonValueKind.String
                    && Instants.TryParse(value.GetString()!, out var instant) => Fact.OfInstant(instant.ToUnixTimeMilliseconds()),
            JsonValueKind.String => Fact.OfText(value.GetString()!),
            JsonValueKind.Number => Fact.OfNumber(value.GetDouble()),
            JsonValueKind.True => Fact.OfBoolean(true),
            JsonValueKind.False => Fact.OfBoolean(false),
            _ => Fact.Missing,
        };
}

/// <summary>A profile's values in slot order, and the behaviour aggregates fetched for it (NaN = none).</summary>
public sealed record ProfileFacts(string CustomerId, Fact[] Values, double[] Behaviors);

/// <summary>A compiled rule: evaluate with a profile's facts and the evaluation time (Unix ms).</summary>
public delegate bool CompiledRule(ProfileFacts facts, long nowMs);

/// <summary>
/// Compiles the condition tree into delegates over a <see cref="RuleSlots"/> table. Compiled once
/// per rule version; evaluating allocates nothing (array lookups, comparisons, and regex matches
/// with a time limit — a regex that runs out of time does not match).
/// </summary>
public static class RuleCompiler
{
    public static CompiledRule Compile(Condition condition, RuleSlots slots) =>
        condition switch
        {
            AllOf all => All([.. all.Conditions.Select(c => Compile(c, slots))]),
            AnyOf any => Any([.. any.Conditions.Select(c => Compile(c, slots))]),
            Not not => Negate(Compile(not.Condition, slots)),
            Comparison comparison => CompileComparison(comparison, slots),
            RelativeDateComparison relative => CompileRelative(slots.Field(relative.Field), relative),
            RegexMatch match => CompileRegex(slots.Field(match.Field), match.Pattern),
            BehaviorCondition behavior => CompileBehavior(slots.Behavior(behavior.Key), behavior),
            _ => throw new NotSupportedException($"Rules cannot evaluate {condition.GetType().Name}."),
        };

    private static CompiledRule All(CompiledRule[] parts) =>
        (facts, now) =>
        {
            foreach (var part in parts)
            {
                if (!part(facts, now))
                {
                    return false;
                }
            }
            return true;
        };

    private static CompiledRule Any(CompiledRule[] parts) =>
        (facts, now) =>
        {
            foreach (var part in parts)
            {
                if (part(facts, now))
                {
                    return true;
                }
            }
            return false;
        };

    private static CompiledRule Negate(CompiledRule inner) => (facts, now) => !inner(facts, now);

    private static CompiledRule CompileComparison(Comparison comparison, RuleSlots slots)
    {
        var slot = slots.Field(comparison.Field);
        var kind = slots.Fields[slot].Kind;
        var operands = comparison.Operands.Select(o => Operand(o, kind)).ToArray();
        var op = comparison.Operator;
        return op switch
        {
            ComparisonOperator.Exists => operands[0].Number != 0
                ? (facts, _) => !facts.Values[slot].IsMissing
                : (facts, _) => facts.Values[slot].IsMissing,
            ComparisonOperator.Ne or ComparisonOperator.Nin => (facts, _) =>
                !AnyItem(facts.Values[slot], op == ComparisonOperator.Ne ? ComparisonOperator.Eq : ComparisonOperator.In, operands),
            _ => (facts, _) => AnyItem(facts.Values[slot], op, operands),
        };
    }

    /// <summary>Operands of date fields are compared as Unix milliseconds.</summary>
    private static Fact Operand(ScalarValue value, FactKind kind) =>
        value.Kind switch
        {
            ScalarKind.String when kind == FactKind.Instant && Instants.TryParse(value.AsString, out var instant) => Fact.OfInstant(
                instant.ToUnixTimeMilliseconds()
            ),
            ScalarKind.String => Fact.OfText(value.AsString),
            ScalarKind.Number => kind == FactKind.Instant ? Fact.OfInstant(value.AsNumber) : Fact.OfNumber(value.AsNumber),
            ScalarKind.Boolean => Fact.OfBoolean(value.AsBoolean),
            _ => Fact.Missing,
        };

    /// <summary>A comparison holds for a multi-valued field when it holds for any of its values.</summary>
    internal static bool AnyItem(in Fact fact, ComparisonOperator op, Fact[] operands)
    {
        if (fact.Kind == FactKind.Many)
        {
            foreach (var item in fact.Items!)
            {
                if (Test(item, op, operands))
                {
                    return true;
                }
            }
            return false;
        }
        return Test(fact, op, operands);
    }

    internal static bool Test(in Fact fact, ComparisonOperator op, Fact[] operands)
    {
        if (fact.IsMissing || fact.Kind == FactKind.Structure)
        {
            return false;
        }
        switch (op)
        {
            case ComparisonOperator.Eq:
                return Compare(fact, operands[0]) == 0;
            case ComparisonOperator.Gt:
                return Compare(fact, operands[0]) is > 0 and not int.MinValue;
            case ComparisonOperator.Gte:
                return Compare(fact, operands[0]) is >= 0;
            case ComparisonOperator.Lt:
                return Compare(fact, operands[0]) is < 0 and not int.MinValue;
            case ComparisonOperator.Lte:
                return Compare(fact, operands[0]) is <= 0 and not int.MinValue;
            case ComparisonOperator.Between:
                return Compare(fact, operands[0]) is >= 0 && Compare(fact, operands[1]) is <= 0 and not int.MinValue;
            case ComparisonOperator.In:
                foreach (var operand in operands)
                {
                    if (Compare(fact, operand) == 0)
                    {
                        return true;
                    }
                }
                return false;
            case ComparisonOperator.Contains:
                return fact.Kind == FactKind.Text && fact.Text!.Contains(operands[0].Text!, StringComparison.Ordinal);
            case ComparisonOperator.StartsWith:
                return fact.Kind == FactKind.Text && fact.Text!.StartsWith(operands[0].Text!, StringComparison.Ordinal);
            default:
                return false;
        }
    }

    /// <summary>Ordinal comparison of same-kind values; int.MinValue when the kinds differ (nothing matches).</summary>
    private static int Compare(in Fact left, in Fact right)
    {
        if (left.Kind != right.Kind)
        {
            return int.MinValue;
        }
        return left.Kind == FactKind.Text ? Math.Sign(string.CompareOrdinal(left.Text, right.Text)) : left.Number.CompareTo(right.Number);
    }

    private static CompiledRule CompileRelative(int slot, RelativeDateComparison relative)
    {
        var ago = (long)relative.Ago.TotalMilliseconds;
        var upper = (long)(relative.UpperAgo?.TotalMilliseconds ?? 0);
        var op = relative.Operator;
        return (facts, now) => AnyInstant(facts.Values[slot], op, now - ago, now - upper, now);
    }

    internal static bool AnyInstant(in Fact fact, RelativeOperator op, double threshold, double upperThreshold, double now)
    {
        if (fact.Kind == FactKind.Many)
        {
            foreach (var item in fact.Items!)
            {
                if (TestInstant(item, op, threshold, upperThreshold, now))
                {
                    return true;
                }
            }
            return false;
        }
        return TestInstant(fact, op, threshold, upperThreshold, now);
    }

    internal static bool TestInstant(in Fact fact, RelativeOperator op, double threshold, double upperThreshold, double now) =>
        fact.Kind == FactKind.Instant && TestInstant(fact.Number, op, threshold, upperThreshold, now);

    internal static bool TestInstant(double instant, RelativeOperator op, double threshold, double upperThreshold, double now) =>
        !double.IsNaN(instant)
        && op switch
        {
            RelativeOperator.Gt => instant > threshold,
            RelativeOperator.Gte => instant >= threshold,
            RelativeOperator.Lt => instant < threshold,
            RelativeOperator.Lte => instant <= threshold,
            RelativeOperator.Between => instant >= threshold && instant <= upperThreshold,
            RelativeOperator.Within => instant > threshold && instant <= now,
            _ => false,
        };

    private static CompiledRule CompileRegex(int slot, string pattern)
    {
        var regex = RuleParser.CreateRegex(pattern);
        return (facts, _) => MatchesAny(regex, facts.Values[slot]);
    }

    internal static bool MatchesAny(Regex regex, in Fact fact)
    {
        if (fact.Kind == FactKind.Many)
        {
            foreach (var item in fact.Items!)
            {
                if (Matches(regex, item))
                {
                    return true;
                }
            }
            return false;
        }
        return Matches(regex, fact);
    }

    private static bool Matches(Regex regex, in Fact fact)
    {
        if (fact.Kind != FactKind.Text)
        {
            return false;
        }
        try
        {
            return regex.IsMatch(fact.Text!);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static CompiledRule CompileBehavior(int slot, BehaviorCondition behavior)
    {
        if (behavior.When is { } when)
        {
            var ago = (long)when.Ago.TotalMilliseconds;
            return (facts, now) => TestInstant(facts.Behaviors[slot], when.Operator, now - ago, now, now);
        }
        var op = behavior.Operator;
        var low = behavior.Operands[0];
        var high = behavior.Operands.Count > 1 ? behavior.Operands[1] : double.NaN;
        return (facts, _) => TestNumber(facts.Behaviors[slot], op, low, high);
    }

    internal static bool TestNumber(double value, ComparisonOperator op, double low, double high) =>
        op == ComparisonOperator.Ne
            ? double.IsNaN(value) || value != low
            : !double.IsNaN(value)
                && op switch
                {
                    ComparisonOperator.Eq => value == low,
                    ComparisonOperator.Gt => value > low,
                    ComparisonOperator.Gte => value >= low,
                    ComparisonOperator.Lt => value < low,
                    ComparisonOperator.Lte => value <= low,
                    ComparisonOperator.Between => value >= low && value <= high,
                    _ => false,
                };
}
