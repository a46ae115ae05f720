// Longer than 400 lines on purpose: one recursive-descent parser over one grammar (the criteria
// JSON Schema in docs/schemas); each shape is parsed beside the others, and the schema tests hold
// the whole parser to the schema.
using System.Text.Json;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Rules;

/// <summary>
/// Parses rule criteria (JSON, documented by docs/schemas/segment-criteria.schema.json) into the condition tree,
/// checking every field, operator and value against the profile schema. Every problem is
/// reported with its JSON Pointer under <c>basePointer</c>; nothing is half-accepted.
/// </summary>
public static partial class RuleParser
{
    public const int MaxDepth = 12;
    public const int MaxConditions = 200;

    /// <summary>
    /// The match-time limit of rule regexes: a backstop only. Patterns run on the non-backtracking
    /// engine (linear in the input, so no pattern can be catastrophic) and inputs are bounded field
    /// values, so a match takes microseconds; the limit is wall-clock time and must stay far above
    /// what a busy machine's scheduling can add, or a loaded host would flip memberships.
    /// </summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>How every rule regex is built (see <see cref="RegexTimeout"/>).</summary>
    public static Regex CreateRegex(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, RegexTimeout);

    /// <summary>Aggregate names as rules spell them (lower case only, as the JSON Schema says).</summary>
    private static readonly Dictionary<string, BehaviorFunction> Aggregates = Enum.GetValues<BehaviorFunction>()
        .ToDictionary(f => f.ToString().ToLowerInvariant(), StringComparer.Ordinal);

    [GeneratedRegex("^[a-z][a-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex EventName();

    public static Condition Parse(JsonElement criteria, ContentSchema schema, string basePointer = "")
    {
        var context = new Context(schema);
        var condition = context.Node(criteria, basePointer, 0);
        if (context.Errors.Count > 0)
        {
            throw new ValidationException(context.Errors, "The rule is not valid.");
        }
        return condition!;
    }

    private sealed class Context(ContentSchema schema)
    {
        public List<FieldError> Errors { get; } = [];

        private int _count;

        public Condition? Node(JsonElement node, string at, int depth)
        {
            if (++_count > MaxConditions)
            {
                return Fail(at, "too-large", $"A rule has at most {MaxConditions} conditions.");
            }
            if (depth > MaxDepth)
            {
                return Fail(at, "too-deep", $"Rules nest at most {MaxDepth} levels.");
            }
            if (node.ValueKind != JsonValueKind.Object)
            {
                return Fail(at, "type", "A condition is an object: {all}, {any}, {not}, {field, op, value} or {behavior}.");
            }
            var names = node.EnumerateObject().Select(p => p.Name).ToList();
            if (names.Contains("all") || names.Contains("any"))
            {
                var name = names.Contains("all") ? "all" : "any";
                if (names.Count != 1)
                {
                    return Fail(at, "shape", $"'{name}' stands alone in its object.");
                }
                var list = node.GetProperty(name);
                if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    return Fail(JsonPointer.Append(at, name), "type", $"'{name}' takes a non-empty array of conditions.");
                }
                var children = new List<Condition>();
                var i = 0;
                foreach (var child in list.EnumerateArray())
                {
                    if (Node(child, JsonPointer.Append(JsonPointer.Append(at, name), i++), depth + 1) is { } parsed)
                    {
                        children.Add(parsed);
                    }
                }
                return name == "all" ? new AllOf([.. children]) : new AnyOf([.. children]);
            }
            if (names.Contains("not"))
            {
                if (names.Count != 1)
                {
                    return Fail(at, "shape", "'not' stands alone in its object.");
                }
                return Node(node.GetProperty("not"), JsonPointer.Append(at, "not"), depth + 1) is { } inner ? new Not(inner) : null;
            }
            if (names.Contains("behavior"))
            {
                if (names.Count != 1)
                {
                    return Fail(at, "shape", "'behavior' stands alone in its object.");
                }
                return Behavior(node.GetProperty("behavior"), JsonPointer.Append(at, "behavior"));
            }
            if (names.Contains("field"))
            {
                return Field(node, at, names);
            }
            return Fail(at, "shape", "Use {all}, {any}, {not}, {field, op, value} or {behavior}.");
        }

        private Condition? Field(JsonElement node, string at, List<string> names)
        {
            foreach (var name in names.Where(n => n is not ("field" or "op" or "value")))
            {
                Fail(JsonPointer.Append(at, name), "unknown-property", $"'{name}' is not part of a field condition.");
            }
            var fieldAt = JsonPointer.Append(at, "field");
            var fieldText = node.GetProperty("field");
            if (fieldText.ValueKind != JsonValueKind.String || !FieldPath.TryParse(fieldText.GetString(), out var path))
            {
                return Fail(fieldAt, "field", "A field is a dotted path such as loyaltyTier or preferences.language.");
            }
            var resolved = SchemaPaths.Resolve(schema, path);
            if (resolved is null)
            {
                return Fail(fieldAt, "unknown-field", $"'{path}' is not a field of '{schema.Key}'.");
            }
            var opAt = JsonPointer.Append(at, "op");
            if (!node.TryGetProperty("op", out var opElement) || opElement.ValueKind != JsonValueKind.String)
            {
                return Fail(opAt, "required", "op is required.");
            }
            var op = opElement.GetString()!;
            var valueAt = JsonPointer.Append(at, "value");
            var hasValue = node.TryGetProperty("value", out var value);
            var kind = resolved.Kind;
            if (op == "exists")
            {
                if (hasValue && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return Fail(valueAt, "type", "exists takes true or false.");
                }
                return new Comparison(path, ComparisonOperator.Exists, ScalarValue.From(!hasValue || value.GetBoolean()));
            }
            if (kind == FactKind.Structure)
            {
                return Fail(opAt, "operator", $"'{path}' is a component or JSON field: only exists applies.");
            }
            if (!hasValue)
            {
                return Fail(valueAt, "required", $"'{op}' needs a value.");
            }
            switch (op)
            {
                case "within":
                    return kind == FactKind.Instant
                        ? (
                            Duration(value, valueAt) is { } within
                                ? new RelativeDateComparison(path, RelativeOperator.Within, within)
                                : null
                        )
                        : Fail(opAt, "operator", "within applies to date-time fields.");
                case "regex":
                    if (kind != FactKind.Text)
                    {
                        return Fail(opAt, "operator", "regex applies to text fields.");
                    }
                    if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length is 0 or > 500)
                    {
                        return Fail(valueAt, "type", "regex takes a pattern string of 1-500 characters.");
                    }
                    try
                    {
                        _ = CreateRegex(value.GetString()!);
                    }
                    catch (ArgumentException ex)
                    {
                        return Fail(valueAt, "pattern", "Not a valid regular expression: " + ex.Message);
                    }
                    catch (NotSupportedException)
                    {
                        return Fail(
                            valueAt,
                            "pattern",
                            "Backreferences, lookarounds, atomic groups and conditionals are not supported: rules match in linear time."
                        );
                    }
                    return new RegexMatch(path, value.GetString()!);
                case "contains":
                case "startsWith":
                    return kind != FactKind.Text ? Fail(opAt, "operator", $"{op} applies to text fields.")
                        : Scalar(value, resolved, valueAt) is { } text
                            ? new Comparison(path, op == "contains" ? ComparisonOperator.Contains : ComparisonOperator.StartsWith, text)
                        : null;
                case "eq":
                case "ne":
                    return Scalar(value, resolved, valueAt) is { } scalar
                        ? new Comparison(path, op == "eq" ? ComparisonOperator.Eq : ComparisonOperator.Ne, scalar)
                        : null;
                case "gt":
                case "gte":
                case "lt":
                case "lte":
                    if (kind == FactKind.Boolean)
                    {
                        return Fail(opAt, "operator", $"{op} does not apply to booleans.");
                    }
                    var comparison = Enum.Parse<ComparisonOperator>(op, ignoreCase: true);
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        return kind == FactKind.Instant && Ago(value, valueAt) is { } ago
                                ? new RelativeDateComparison(path, Enum.Parse<RelativeOperator>(op, ignoreCase: true), ago)
                            : kind == FactKind.Instant ? null
                            : Fail(valueAt, "type", "A relative date {\"ago\": ...} applies to date-time fields.");
                    }
                    return Scalar(value, resolved, valueAt) is { } bound ? new Comparison(path, comparison, bound) : null;
                case "between":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2)
                    {
                        return Fail(valueAt, "type", "between takes [low, high].");
                    }
                    var low = value[0];
                    var high = value[1];
                    if (kind == FactKind.Instant && low.ValueKind == JsonValueKind.Object && high.ValueKind == JsonValueKind.Object)
                    {
                        var older = Ago(low, JsonPointer.Append(valueAt, 0));
                        var newer = Ago(high, JsonPointer.Append(valueAt, 1));
                        if (older is null || newer is null)
                        {
                            return null;
                        }
                        return older < newer
                            ? Fail(valueAt, "range", "between takes the older instant first: [{\"ago\":\"P30D\"}, {\"ago\":\"P7D\"}].")
                            : new RelativeDateComparison(path, RelativeOperator.Between, older.Value, newer.Value);
                    }
                    var a = Scalar(low, resolved, JsonPointer.Append(valueAt, 0));
                    var b = Scalar(high, resolved, JsonPointer.Append(valueAt, 1));
                    if (a is null || b is null)
                    {
                        return null;
                    }
                    return a.Value > b.Value
                        ? Fail(valueAt, "range", "between takes [low, high] with low <= high.")
                        : new Comparison(path, ComparisonOperator.Between, new EquatableArray<ScalarValue>([a.Value, b.Value]));
                case "in":
                case "nin":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > 500)
                    {
                        return Fail(valueAt, "type", $"{op} takes an array of 1-500 values.");
                    }
                    var values = new List<ScalarValue>();
                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        if (Scalar(item, resolved, JsonPointer.Append(valueAt, index++)) is { } element)
                        {
                            values.Add(element);
                        }
                    }
                    return new Comparison(
                        path,
                        op == "in" ? ComparisonOperator.In : ComparisonOperator.Nin,
                        new EquatableArray<ScalarValue>(values)
                    );
                default:
                    return Fail(
                        opAt,
                        "operator",
                        "op is one of eq, ne, gt, gte, lt, lte, in, nin, between, contains, startsWith, regex, exists, within."
                    );
            }
        }

        private ScalarValue? Scalar(JsonElement value, ResolvedPath field, string at)
        {
            switch (field.Kind)
            {
                case FactKind.Text:
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        return FailValue(at, "a string");
                    }
                    var text = value.GetString()!;
                    if (field.Definition.Type == FieldType.Enumeration && !field.Definition.Values.Contains(text))
                    {
                        Fail(at, "enum", $"'{text}' is not one of: {string.Join(", ", field.Definition.Values)}.");
                        return null;
                    }
                    return ScalarValue.From(field.Definition.Type == FieldType.Email ? text.Trim().ToLowerInvariant() : text);
                case FactKind.Number:
                    return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
                        ? ScalarValue.From(number)
                        : FailValue(at, "a number");
                case FactKind.Boolean:
                    return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                        ? ScalarValue.From(value.GetBoolean())
                        : FailValue(at, "true or false");
                case FactKind.Instant:
                    return value.ValueKind == JsonValueKind.String && Instants.TryParse(value.GetString()!, out var instant)
                        ? ScalarValue.From(Instants.Format(instant))
                        : FailValue(at, "an ISO 8601 date-time or {\"ago\": \"P30D\"}");
                default:
                    return FailValue(at, "a scalar");
            }
        }

        private Condition? Behavior(JsonElement node, string at)
        {
            if (node.ValueKind != JsonValueKind.Object)
            {
                return Fail(at, "type", "behavior is an object: {event, aggregate, property?, window?, op, value}.");
            }
            foreach (
                var unknown in node.EnumerateObject()
                    .Where(p => p.Name is not ("event" or "aggregate" or "property" or "window" or "op" or "value"))
            )
            {
                Fail(JsonPointer.Append(at, unknown.Name), "unknown-property", $"'{unknown.Name}' is not part of a behavior condition.");
            }
            var errors = Errors.Count;
            var eventType =
                node.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String && EventName().IsMatch(e.GetString()!)
                    ? e.GetString()!
                    : null;
            if (eventType is null)
            {
                Fail(JsonPointer.Append(at, "event"), "required", "event is an event type such as purchase or page_view.");
            }
            BehaviorFunction aggregate = default;
            if (
                !node.TryGetProperty("aggregate", out var a)
                || a.ValueKind != JsonValueKind.String
                || !Aggregates.TryGetValue(a.GetString()!, out aggregate)
            )
            {
                Fail(JsonPointer.Append(at, "aggregate"), "enum", "aggregate is count, sum, min, max, avg, distinct, first or last.");
            }
            string? property = null;
            if (node.TryGetProperty("property", out var p))
            {
                if (p.ValueKind != JsonValueKind.String || !FieldPath.IsIdentifier(p.GetString()!))
                {
                    Fail(JsonPointer.Append(at, "property"), "type", "property names a top-level event property, such as amount.");
                }
                else
                {
                    property = p.GetString();
                }
            }
            var needsProperty =
                aggregate
                is BehaviorFunction.Sum
                    or BehaviorFunction.Min
                    or BehaviorFunction.Max
                    or BehaviorFunction.Avg
                    or BehaviorFunction.Distinct;
            if (needsProperty && property is null)
            {
                Fail(
                    JsonPointer.Append(at, "property"),
                    "required",
                    $"{aggregate.ToString().ToLowerInvariant()} needs the property it aggregates."
                );
            }
            if (aggregate == BehaviorFunction.Count && property is not null)
            {
                Fail(JsonPointer.Append(at, "property"), "not-applicable", "count counts events; it takes no property.");
            }
            TimeSpan? window = null;
            if (node.TryGetProperty("window", out var w))
            {
                window = Duration(w, JsonPointer.Append(at, "window"));
            }
            var opAt = JsonPointer.Append(at, "op");
            var valueAt = JsonPointer.Append(at, "value");
            var op = node.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
            if (!node.TryGetProperty("value", out var value))
            {
                Fail(valueAt, "required", "value is required.");
            }
            if (Errors.Count > errors)
            {
                return null;
            }
            if (aggregate is BehaviorFunction.First or BehaviorFunction.Last)
            {
                // Compare the time of the first/last event, like a date field.
                var fieldOp = op switch
                {
                    "gt" => RelativeOperator.Gt,
                    "gte" => RelativeOperator.Gte,
                    "lt" => RelativeOperator.Lt,
                    "lte" => RelativeOperator.Lte,
                    "within" => RelativeOperator.Within,
                    _ => (RelativeOperator?)null,
                };
                if (fieldOp is null)
                {
                    return Fail(
                        opAt,
                        "operator",
                        "first/last compare the event's time: gt, gte, lt, lte or within, with {\"ago\": ...} (within takes a duration)."
                    );
                }
                var ago = fieldOp == RelativeOperator.Within ? Duration(value, valueAt) : Ago(value, valueAt);
                return ago is { } span
                    ? new BehaviorCondition(
                        eventType!,
                        aggregate,
                        property,
                        window,
                        ComparisonOperator.Exists,
                        [],
                        new RelativeDateComparison(FieldPath.Parse("at"), fieldOp.Value, span)
                    )
                    : null;
            }
            var comparison = op switch
            {
                "eq" => ComparisonOperator.Eq,
                "ne" => ComparisonOperator.Ne,
                "gt" => ComparisonOperator.Gt,
                "gte" => ComparisonOperator.Gte,
                "lt" => ComparisonOperator.Lt,
                "lte" => ComparisonOperator.Lte,
                "between" => ComparisonOperator.Between,
                _ => (ComparisonOperator?)null,
            };
            if (comparison is null)
            {
                return Fail(opAt, "operator", "op is eq, ne, gt, gte, lt, lte or between.");
            }
            double[] operands;
            if (comparison == ComparisonOperator.Between)
            {
                if (
                    value.ValueKind != JsonValueKind.Array
                    || value.GetArrayLength() != 2
                    || value[0].ValueKind != JsonValueKind.Number
                    || value[1].ValueKind != JsonValueKind.Number
                    || value[0].GetDouble() > value[1].GetDouble()
                )
                {
                    return Fail(valueAt, "type", "between takes [low, high] numbers with low <= high.");
                }
                operands = [value[0].GetDouble(), value[1].GetDouble()];
            }
            else
            {
                if (value.ValueKind != JsonValueKind.Number)
                {
                    return Fail(valueAt, "type", "value is a number.");
                }
                operands = [value.GetDouble()];
            }
            return new BehaviorCondition(eventType!, aggregate, property, window, comparison.Value, [.. operands]);
        }

        private TimeSpan? Ago(JsonElement value, string at)
        {
            if (
                value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("ago", out var ago)
                || value.EnumerateObject().Count() != 1
            )
            {
                Fail(at, "type", "A relative date is {\"ago\": \"P30D\"}.");
                return null;
            }
            return Duration(ago, JsonPointer.Append(at, "ago"));
        }

        private TimeSpan? Duration(JsonElement value, string at)
        {
            if (value.ValueKind == JsonValueKind.String && IsoDuration.TryParse(value.GetString(), out var duration))
            {
                return duration;
            }
            Fail(at, "duration", "An ISO 8601 duration in days, hours or minutes, such as P90D, P7D or PT24H.");
            return null;
        }

        private ScalarValue? FailValue(string at, string expected)
        {
            Fail(at, "type", $"Must be {expected}.");
            return null;
        }

        private Condition? Fail(string at, string code, string detail)
        {
            Errors.Add(new FieldError(at, code, detail));
            return null;
        }
    }
}
