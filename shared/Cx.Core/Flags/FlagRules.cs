using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Rules;

namespace Cx.Core.Flags;

/// <summary>
/// What a flag document must satisfy before it is saved or published: key and name, variations
/// whose values have the flag's type, rules whose criteria parse against the customer schema (no
/// behaviour conditions: evaluation reads the context, not the event history), existing segments,
/// rollouts whose weights sum to 10,000, and prerequisites that name existing flags and variations
/// without a cycle. Every problem is reported with its JSON Pointer; nothing is written when there is one.
/// </summary>
public static class FlagRules
{
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;
    public const int MaxVariations = 100;
    public const int MaxRules = 200;
    public const int MaxPrerequisites = 20;
    public const int MaxSegmentsPerRule = 20;

    /// <summary>What validation needs to know about the other flags and the segments.</summary>
    public interface ILookup
    {
        /// <summary>The variation keys of another flag (its current draft), or null when there is no such flag.</summary>
        IReadOnlyList<string>? VariationsOf(string flagKey);

        /// <summary>The prerequisite flag keys of another flag (its current draft).</summary>
        IEnumerable<string> PrerequisitesOf(string flagKey);

        bool SegmentExists(string segmentKey);

        /// <summary>The schema of a content type, or null when there is none.</summary>
        ContentSchema? ContentTypeSchema(string typeKey);
    }

    /// <summary>The name the seed gives the switch field of a component.</summary>
    public const string SwitchField = "flag_active";

    public static void Validate(FlagDefinition flag, ContentSchema schema, ILookup lookup)
    {
        var errors = new List<FieldError>();
        if (!DefinitionRules.IsKey(flag.Key))
        {
            errors.Add(
                new(
                    "/key",
                    "key",
                    "1-64 lower-case letters, digits or '-', starting with a letter and not ending with '-', such as new-checkout."
                )
            );
        }
        if (string.IsNullOrWhiteSpace(flag.Name) || flag.Name.Length > MaxNameLength)
        {
            errors.Add(new("/name", "name", $"A name is 1-{MaxNameLength} characters."));
        }
        if (flag.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new("/description", "max-length", $"Must be at most {MaxDescriptionLength} characters."));
        }
        var variations = ValidateVariations(flag, errors);
        if (!variations.Contains(flag.OffVariation))
        {
            errors.Add(
                new(
                    "/offVariation",
                    "unknown-variation",
                    "offVariation must name one of the flag's variations (served when the flag is off)."
                )
            );
        }
        ValidatePrerequisites(flag, lookup, errors);
        if (flag.Rules.Count > MaxRules)
        {
            errors.Add(new("/rules", "max-items", $"At most {MaxRules} rules."));
        }
        for (var i = 0; i < flag.Rules.Count && i < MaxRules; i++)
        {
            ValidateRule(flag.Rules[i], "/rules/" + i, schema, lookup, variations, errors);
        }
        if (flag.Fallthrough is { } fallthrough)
        {
            ValidateServe(fallthrough, "/fallthrough", variations, errors);
        }
        if (flag.ContentSwitch is { } contentSwitch)
        {
            ValidateSwitch(contentSwitch, lookup, errors);
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The flag '{flag.Key}' is not valid.");
        }
    }

    /// <summary>Parses a rule's criteria for flags: the shared rule language without behaviour conditions.</summary>
    public static Condition ParseCriteria(JsonElement criteria, ContentSchema schema, string pointer)
    {
        var condition = RuleParser.Parse(criteria, schema, pointer);
        if (ReadsBehavior(condition))
        {
            throw new ValidationException(
                new FieldError(
                    pointer,
                    "not-allowed",
                    "Flag rules read the evaluation context: behaviour conditions are not allowed (target a segment instead)."
                )
            );
        }
        return condition;
    }

    private static bool ReadsBehavior(Condition condition) =>
        condition switch
        {
            BehaviorCondition => true,
            AllOf all => all.Conditions.Any(ReadsBehavior),
            AnyOf any => any.Conditions.Any(ReadsBehavior),
            Not not => ReadsBehavior(not.Condition),
            _ => false,
        };

    /// <summary>The field names of a switch path (<c>/hero/flag_active</c> → hero, flag_active), or null when it is no pointer.</summary>
    public static string[]? SwitchSegments(string path) =>
        path.Length > 1 && path[0] == '/' && !path.Contains('~', StringComparison.Ordinal) ? path[1..].Split('/') : null;

    private static void ValidateSwitch(FlagContentSwitch contentSwitch, ILookup lookup, List<FieldError> errors)
    {
        var schema = DefinitionRules.IsKey(contentSwitch.ContentType) ? lookup.ContentTypeSchema(contentSwitch.ContentType) : null;
        if (schema is null)
        {
            errors.Add(
                new("/contentSwitch/contentType", "unknown-content-type", $"There is no content type '{contentSwitch.ContentType}'.")
            );
            return;
        }
        var single = schema.Type.Kind == ContentKind.Single;
        if (single && contentSwitch.Entry is not null)
        {
            errors.Add(new("/contentSwitch/entry", "not-allowed", $"'{schema.Key}' is a single type: it has one entry, leave entry out."));
        }
        else if (!single && !Ids.IsValidClientId(contentSwitch.Entry))
        {
            errors.Add(
                new(
                    "/contentSwitch/entry",
                    "required",
                    $"'{schema.Key}' is a collection: entry is the id of the entry that holds the switch."
                )
            );
        }
        var segments = SwitchSegments(contentSwitch.Path);
        const string Shape =
            "path is the JSON Pointer of a boolean field named flag_active on a (non-repeatable) component, such as /hero/flag_active.";
        if (segments is null || segments.Length < 2 || segments[^1] != SwitchField)
        {
            errors.Add(new("/contentSwitch/path", "path", Shape));
            return;
        }
        var fields = schema.Type.Fields;
        for (var i = 0; i < segments.Length; i++)
        {
            var field = fields.FirstOrDefault(f => f.Name == segments[i]);
            var last = i == segments.Length - 1;
            if (field is null || (last ? field.Type != FieldType.Boolean : field.Type != FieldType.Component || field.Repeatable))
            {
                errors.Add(new("/contentSwitch/path", "path", $"'{string.Join('/', segments[..(i + 1)])}' does not lead to it: " + Shape));
                return;
            }
            if (!last)
            {
                if (field.Component is null || !schema.Components.TryGetValue(field.Component, out var component))
                {
                    errors.Add(new("/contentSwitch/path", "path", Shape));
                    return;
                }
                fields = component.Fields;
            }
        }
    }

    private static HashSet<string> ValidateVariations(FlagDefinition flag, List<FieldError> errors)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (flag.Variations.Count == 0)
        {
            errors.Add(new("/variations", "required", "A flag has at least one variation, such as {\"key\":\"on\",\"value\":true}."));
        }
        if (flag.Variations.Count > MaxVariations)
        {
            errors.Add(new("/variations", "max-items", $"At most {MaxVariations} variations."));
        }
        for (var i = 0; i < flag.Variations.Count; i++)
        {
            var variation = flag.Variations[i];
            var at = "/variations/" + i;
            if (!DefinitionRules.IsKey(variation.Key))
            {
                errors.Add(new(at + "/key", "key", "1-64 lower-case letters, digits or '-', starting with a letter, such as on or blue."));
            }
            else if (!keys.Add(variation.Key))
            {
                errors.Add(new(at + "/key", "duplicate", $"The variation key '{variation.Key}' is used twice."));
            }
            if (variation.Description is { Length: > MaxDescriptionLength })
            {
                errors.Add(new(at + "/description", "max-length", $"Must be at most {MaxDescriptionLength} characters."));
            }
            if (variation.Value is null)
            {
                errors.Add(new(at + "/value", "required", "Each variation has a value."));
                continue;
            }
            var kind = variation.Value.Parse().ValueKind;
            var fits = flag.ValueType switch
            {
                FlagType.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
                FlagType.String => kind == JsonValueKind.String,
                FlagType.Number => kind == JsonValueKind.Number,
                _ => kind == JsonValueKind.Object,
            };
            if (!fits)
            {
                var expected = flag.ValueType switch
                {
                    FlagType.Boolean => "true or false",
                    FlagType.String => "a string",
                    FlagType.Number => "a number",
                    _ => "a JSON object",
                };
                errors.Add(new(at + "/value", "type", $"A {flag.ValueType.ToString().ToLowerInvariant()} flag serves {expected}."));
            }
        }
        return keys;
    }

    private static void ValidatePrerequisites(FlagDefinition flag, ILookup lookup, List<FieldError> errors)
    {
        if (flag.Prerequisites.Count > MaxPrerequisites)
        {
            errors.Add(new("/prerequisites", "max-items", $"At most {MaxPrerequisites} prerequisites."));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < flag.Prerequisites.Count; i++)
        {
            var prerequisite = flag.Prerequisites[i];
            var at = "/prerequisites/" + i;
            if (!seen.Add(prerequisite.Flag))
            {
                errors.Add(new(at + "/flag", "duplicate", $"'{prerequisite.Flag}' is already a prerequisite."));
                continue;
            }
            if (prerequisite.Flag == flag.Key)
            {
                errors.Add(new(at + "/flag", "cycle", "A flag cannot be its own prerequisite."));
                continue;
            }
            var variations = lookup.VariationsOf(prerequisite.Flag);
            if (variations is null)
            {
                errors.Add(new(at + "/flag", "unknown-flag", $"There is no flag '{prerequisite.Flag}'."));
                continue;
            }
            if (!variations.Contains(prerequisite.Variation))
            {
                errors.Add(
                    new(
                        at + "/variation",
                        "unknown-variation",
                        $"The flag '{prerequisite.Flag}' has no variation '{prerequisite.Variation}'."
                    )
                );
            }
            if (FindPath(prerequisite.Flag, flag.Key, lookup) is { } path)
            {
                errors.Add(new(at + "/flag", "cycle", $"Prerequisites would form a cycle: {flag.Key} -> {string.Join(" -> ", path)}."));
            }
        }
    }

    /// <summary>A prerequisite path from <paramref name="from"/> back to <paramref name="target"/>, or null.</summary>
    private static List<string>? FindPath(string from, string target, ILookup lookup)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        return Walk(from) ? path : null;

        bool Walk(string node)
        {
            path.Add(node);
            if (node == target)
            {
                return true;
            }
            if (visited.Add(node))
            {
                foreach (var next in lookup.PrerequisitesOf(node))
                {
                    if (Walk(next))
                    {
                        return true;
                    }
                }
            }
            path.RemoveAt(path.Count - 1);
            return false;
        }
    }

    private static void ValidateRule(
        FlagRule rule,
        string at,
        ContentSchema schema,
        ILookup lookup,
        HashSet<string> variations,
        List<FieldError> errors
    )
    {
        if (rule.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new(at + "/description", "max-length", $"Must be at most {MaxDescriptionLength} characters."));
        }
        if (rule.Criteria is null && rule.Segments.Count == 0)
        {
            errors.Add(new(at, "required", "A rule has criteria, segments or both (use the fallthrough to serve everyone)."));
        }
        if (rule.Criteria is not null)
        {
            try
            {
                ParseCriteria(rule.Criteria.Parse(), schema, at + "/criteria");
            }
            catch (ValidationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }
        if (rule.Segments.Count > MaxSegmentsPerRule)
        {
            errors.Add(new(at + "/segments", "max-items", $"At most {MaxSegmentsPerRule} segments per rule."));
        }
        for (var j = 0; j < rule.Segments.Count && j < MaxSegmentsPerRule; j++)
        {
            if (!lookup.SegmentExists(rule.Segments[j]))
            {
                errors.Add(new(at + "/segments/" + j, "unknown-segment", $"There is no segment '{rule.Segments[j]}'."));
            }
        }
        if (rule.Serve is null)
        {
            errors.Add(new(at + "/serve", "required", "serve is {\"variation\":\"on\"} or {\"rollout\":{...}}."));
        }
        else
        {
            ValidateServe(rule.Serve, at + "/serve", variations, errors);
        }
    }

    private static void ValidateServe(FlagServe serve, string at, HashSet<string> variations, List<FieldError> errors)
    {
        if ((serve.Variation is null) == (serve.Rollout is null))
        {
            errors.Add(new(at, "one-of", "Serve exactly one of variation or rollout."));
            return;
        }
        if (serve.Variation is { } variation)
        {
            if (!variations.Contains(variation))
            {
                errors.Add(new(at + "/variation", "unknown-variation", $"There is no variation '{variation}'."));
            }
            return;
        }
        var rollout = serve.Rollout!;
        if (rollout.Coverage is < 0 or > FlagBuckets.Buckets)
        {
            errors.Add(new(at + "/rollout/coverage", "range", "coverage is 0-10000 basis points of units (10000 = all)."));
        }
        if (rollout.Weights.Count == 0)
        {
            errors.Add(
                new(at + "/rollout/weights", "required", "A rollout has weights, such as [{\"variation\":\"on\",\"weight\":10000}].")
            );
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long sum = 0;
        for (var i = 0; i < rollout.Weights.Count; i++)
        {
            var weight = rollout.Weights[i];
            var wat = at + "/rollout/weights/" + i;
            if (!variations.Contains(weight.Variation))
            {
                errors.Add(new(wat + "/variation", "unknown-variation", $"There is no variation '{weight.Variation}'."));
            }
            else if (!seen.Add(weight.Variation))
            {
                errors.Add(new(wat + "/variation", "duplicate", $"'{weight.Variation}' has a weight already."));
            }
            if (weight.Weight is < 0 or > FlagBuckets.Buckets)
            {
                errors.Add(new(wat + "/weight", "range", "A weight is 0-10000 basis points."));
            }
            sum += weight.Weight;
        }
        if (sum != FlagBuckets.Buckets)
        {
            errors.Add(new(at + "/rollout/weights", "sum", $"The weights sum to {sum}; they must sum to 10000."));
        }
    }
}
