using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Rules;

namespace Cx.Core.Personalization;

/// <summary>
/// What a placement document must satisfy before it is saved: key and name, an existing content
/// type whose entries anyone with <c>content:read</c> may read, unique variant keys with entry
/// ids, weights, priorities, targeting values and rules that parse against the decision schema
/// (the customer schema plus <c>request.*</c>), a fallback and a holdout that name variants.
/// Every problem has its JSON Pointer; nothing is written when there is one.
/// </summary>
public static partial class PlacementRules
{
    public const int MaxKeyLength = 64;
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;
    public const int MaxVariants = 100;
    public const int MaxWeight = 10_000;
    public const int MaxPriority = 1_000_000;
    public const int MaxListValues = 50;
    public const double MaxHoldoutPercent = 50;

    /// <summary>Placement keys: dotted lower-case names such as <c>homepage.hero</c>.</summary>
    public const string KeyPattern = "^[a-z][a-z0-9-]*(?:\\.[a-z][a-z0-9-]*){0,4}$";

    [GeneratedRegex(KeyPattern, RegexOptions.CultureInvariant)]
    private static partial Regex KeyRegex();

    [GeneratedRegex("^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", RegexOptions.CultureInvariant)]
    private static partial Regex LanguageRegex();

    public static bool IsPlacementKey(string? key) => key is { Length: > 0 and <= MaxKeyLength } && KeyRegex().IsMatch(key);

    /// <summary>
    /// Checks a placement against the content types and the decision schema; returns it with its
    /// optional settings in canonical form (the score threshold defaults to 0.5).
    /// </summary>
    public static PlacementDefinition Validate(
        PlacementDefinition placement,
        ContentType? contentType,
        ContentSchema decisionSchema,
        List<FieldError>? errors = null
    )
    {
        errors ??= [];
        if (!IsPlacementKey(placement.Key))
        {
            errors.Add(
                new(
                    "/key",
                    "key",
                    $"1-{MaxKeyLength} characters: dot-separated lower-case names of letters, digits or '-', such as homepage.hero."
                )
            );
        }
        if (string.IsNullOrWhiteSpace(placement.Name) || placement.Name.Length > MaxNameLength)
        {
            errors.Add(new("/name", "name", $"A name is 1-{MaxNameLength} characters."));
        }
        if (placement.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new("/description", "max-length", $"Must be at most {MaxDescriptionLength} characters."));
        }
        CheckContentType(placement.ContentType, contentType, errors);
        if (placement.Variants.IsEmpty)
        {
            errors.Add(new("/variants", "min-items", "A placement needs at least one variant."));
        }
        else if (placement.Variants.Count > MaxVariants)
        {
            errors.Add(new("/variants", "max-items", $"A placement has at most {MaxVariants} variants."));
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Min(placement.Variants.Count, MaxVariants); i++)
        {
            CheckVariant(placement.Variants[i], $"/variants/{i}", keys, decisionSchema, errors);
        }
        var threshold = placement.Threshold;
        if (placement.Strategy == PlacementStrategy.Score)
        {
            threshold ??= DecisionEngine.DefaultThreshold;
            if (threshold is < 0 or > 1 || double.IsNaN(threshold.Value))
            {
                errors.Add(new("/threshold", "range", "The score threshold is between 0 and 1."));
            }
        }
        else if (threshold is not null)
        {
            errors.Add(new("/threshold", "not-applicable", "Only the score strategy takes a threshold."));
        }
        if (placement.Strategy == PlacementStrategy.Weighted && placement.Variants.All(v => v.Weight <= 0))
        {
            errors.Add(new("/variants", "weights", "The weighted strategy needs a variant with a positive weight."));
        }
        if (placement.Fallback is { } fallback && !keys.Contains(fallback))
        {
            errors.Add(new("/fallback", "unknown-variant", $"'{fallback}' is not a variant of this placement."));
        }
        if (placement.Holdout is { } holdout)
        {
            if (holdout.Percent is <= 0 or > MaxHoldoutPercent || double.IsNaN(holdout.Percent))
            {
                errors.Add(new("/holdout/percent", "range", $"The control group is more than 0 and at most {MaxHoldoutPercent} per cent."));
            }
            if (!keys.Contains(holdout.Variant))
            {
                errors.Add(new("/holdout/variant", "unknown-variant", $"'{holdout.Variant}' is not a variant of this placement."));
            }
            else if (holdout.Variant == placement.Fallback)
            {
                errors.Add(
                    new(
                        "/holdout/variant",
                        "control-is-fallback",
                        "The control variant is served to the control group only; use another fallback."
                    )
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The placement '{placement.Key}' is not valid.");
        }
        return placement with { Threshold = threshold };
    }

    private static void CheckContentType(string key, ContentType? type, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(key))
        {
            errors.Add(new("/contentType", "required", "The content type of the variants' entries, such as banner."));
            return;
        }
        if (type is null || type.Key != key)
        {
            errors.Add(new("/contentType", "unknown-content-type", $"'{key}' is not a content type."));
            return;
        }
        if (
            type.Kind != ContentKind.Collection
            || type.Storage.Container != Documents.Containers.Content
            || type.ReadPermission is not null
        )
        {
            errors.Add(
                new(
                    "/contentType",
                    "not-servable",
                    $"'{key}' cannot be personalized: variants are entries of a collection type in the content container that content:read reaches."
                )
            );
        }
    }

    private static void CheckVariant(
        PlacementVariant variant,
        string at,
        HashSet<string> keys,
        ContentSchema decisionSchema,
        List<FieldError> errors
    )
    {
        if (!DefinitionRules.IsKey(variant.Key))
        {
            errors.Add(new(at + "/key", "key", "1-64 lower-case letters, digits or '-', starting with a letter, not ending with '-'."));
        }
        else if (!keys.Add(variant.Key))
        {
            errors.Add(new(at + "/key", "duplicate", $"Another variant is called '{variant.Key}'."));
        }
        if (!Ids.IsValidClientId(variant.Entry))
        {
            errors.Add(new(at + "/entry", "entry", "The id of an entry of the placement's content type."));
        }
        if (variant.Weight is < 0 or > MaxWeight)
        {
            errors.Add(new(at + "/weight", "range", $"A weight is 0-{MaxWeight}."));
        }
        if (variant.Priority is < -MaxPriority or > MaxPriority)
        {
            errors.Add(new(at + "/priority", "range", $"A priority is between -{MaxPriority} and {MaxPriority}."));
        }
        var targeting = variant.Targeting;
        var t = at + "/targeting";
        CheckList(targeting.Segments, t + "/segments", DefinitionRules.IsKey, "A segment key such as big-spenders.", errors);
        CheckList(targeting.LifecycleStages, t + "/lifecycleStages", v => v.Length is > 0 and <= 64, "1-64 characters.", errors);
        CheckList(targeting.Languages, t + "/languages", LanguageRegex().IsMatch, "A language tag such as pt or pt-PT.", errors);
        CheckList(
            targeting.Devices,
            t + "/devices",
            DecisionSchema.Devices.Contains,
            "One of " + string.Join(", ", DecisionSchema.Devices) + ".",
            errors
        );
        if (targeting.Rule is { } rule)
        {
            try
            {
                var condition = RuleParser.Parse(rule.Parse(), decisionSchema, t + "/rule");
                CheckNoBehavior(condition, t + "/rule", errors);
            }
            catch (ValidationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }
    }

    private static void CheckList(
        EquatableArray<string> values,
        string at,
        Func<string, bool> valid,
        string detail,
        List<FieldError> errors
    )
    {
        if (values.Count > MaxListValues)
        {
            errors.Add(new(at, "max-items", $"At most {MaxListValues} values."));
            return;
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null || !valid(values[i]))
            {
                errors.Add(new($"{at}/{i}", "value", detail));
            }
            else if (values.Take(i).Contains(values[i]))
            {
                errors.Add(new($"{at}/{i}", "duplicate", $"'{values[i]}' is listed twice."));
            }
        }
    }

    /// <summary>Decisions read no behaviour aggregates (one profile read per decision): target a segment instead.</summary>
    private static void CheckNoBehavior(Condition condition, string at, List<FieldError> errors)
    {
        switch (condition)
        {
            case AllOf all:
                foreach (var child in all.Conditions)
                {
                    CheckNoBehavior(child, at, errors);
                }
                break;
            case AnyOf any:
                foreach (var child in any.Conditions)
                {
                    CheckNoBehavior(child, at, errors);
                }
                break;
            case Not not:
                CheckNoBehavior(not.Condition, at, errors);
                break;
            case BehaviorCondition:
                errors.Add(
                    new(
                        at,
                        "behavior-not-allowed",
                        "Placement rules read the profile and the request only; target behaviour through a segment (targeting.segments)."
                    )
                );
                break;
        }
    }
}
