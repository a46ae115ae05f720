using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Cx.Core.Rules;

namespace Cx.Core.Personalization;

/// <summary>Why a placement was answered the way it was.</summary>
public enum DecisionReason
{
    /// <summary>A variant's targeting held (first-match, weighted) or its score reached the threshold (score).</summary>
    Matched,

    /// <summary>No variant qualified: the placement's fallback.</summary>
    Fallback,

    /// <summary>The customer is in the placement's control group: the control variant.</summary>
    Holdout,

    /// <summary>No variant qualified and the placement has no fallback: nothing is served.</summary>
    None,
}

/// <summary>
/// Who is asking, as the engine sees it: segment keys, lifecycle stage, preferred language, the
/// request context and the rule facts (profile + <c>request</c>), the holdout assignment already
/// stored for each placement, and a stable key for hashing (<c>c:</c>/<c>a:</c> subject).
/// </summary>
public sealed class DecisionInput
{
    public required string? Subject { get; init; }

    public IReadOnlySet<string> Segments { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public string? LifecycleStage { get; init; }

    public string? PreferredLanguage { get; init; }

    public RequestContext Request { get; init; } = RequestContext.Empty;

    /// <summary>The facts of the catalog's rule slots (<see cref="PlacementCatalog.LoadFacts"/>).</summary>
    public required ProfileFacts Facts { get; init; }

    public required long NowMs { get; init; }

    /// <summary>Stored holdout assignments by placement key (true: held out). Missing: draw one.</summary>
    public IReadOnlyDictionary<string, bool> Holdouts { get; init; } = new Dictionary<string, bool>(StringComparer.Ordinal);

    /// <summary>Whether the holdout draw may be stored (a customer); an anonymous visitor's draw is only hashed.</summary>
    public bool CanStoreHoldout { get; init; }

    /// <summary>Entries (<c>{contentType}/{id}</c>) that are missing or invalid: their variants are never served.</summary>
    public IReadOnlySet<string>? Unavailable { get; init; }

    internal bool IsAvailable(PlacementDefinition placement, PlacementVariant variant) =>
        Unavailable is null || !Unavailable.Contains(placement.ContentType + "/" + variant.Entry);
}

/// <summary>
/// One placement's answer: the variant (null when nothing is served), why, the matched criteria
/// (<c>segment:big-spenders</c>, <c>rule</c>, ...), the score (score strategy) and the holdout
/// assignment (null when the placement has no control group; <see cref="NewHoldout"/> when it was
/// drawn now and should be stored).
/// </summary>
public sealed record Decision(
    CompiledPlacement Placement,
    PlacementVariant? Variant,
    DecisionReason Reason,
    IReadOnlyList<string> Matched,
    double? Score = null,
    bool? HeldOut = null,
    bool NewHoldout = false
)
{
    public string PlacementKey => Placement.Definition.Key;

    public PlacementStrategy Strategy => Placement.Definition.Strategy;
}

/// <summary>
/// The pure decision: given a compiled placement and who is asking, which variant. No I/O, no
/// clock (the time comes in the input), no randomness except a stable hash of subject and
/// placement (weighted choice, holdout draw), so the same input always gets the same answer.
/// </summary>
public static class DecisionEngine
{
    public const double DefaultThreshold = 0.5;

    public static Decision Decide(CompiledPlacement placement, DecisionInput input)
    {
        var definition = placement.Definition;
        bool? heldOut = null;
        var newHoldout = false;
        if (definition.Holdout is { } holdout)
        {
            if (input.Holdouts.TryGetValue(definition.Key, out var stored))
            {
                heldOut = stored;
            }
            else
            {
                heldOut = Unit(input.Subject, definition.Key, "holdout") * 100 < holdout.Percent;
                newHoldout = input.CanStoreHoldout;
            }
            if (heldOut == true && definition.FindVariant(holdout.Variant) is { } control && input.IsAvailable(definition, control))
            {
                return new Decision(placement, control, DecisionReason.Holdout, [], HeldOut: true, NewHoldout: newHoldout);
            }
        }
        var decision = definition.Strategy switch
        {
            PlacementStrategy.Score => ByScore(placement, input),
            PlacementStrategy.Weighted => ByWeight(placement, input),
            _ => FirstMatch(placement, input),
        };
        return decision with { HeldOut = heldOut, NewHoldout = newHoldout };
    }

    private static Decision FirstMatch(CompiledPlacement placement, DecisionInput input)
    {
        foreach (var variant in placement.ByPriority)
        {
            if (variant.Holdout || !input.IsAvailable(placement.Definition, variant.Definition))
            {
                continue;
            }
            var matched = new List<string>();
            if (Evaluate(variant, input, matched) == variant.CriteriaCount)
            {
                return new Decision(placement, variant.Definition, DecisionReason.Matched, matched);
            }
        }
        return Fallback(placement, input);
    }

    private static Decision ByScore(CompiledPlacement placement, DecisionInput input)
    {
        var threshold = placement.Definition.Threshold ?? DefaultThreshold;
        CompiledVariant? best = null;
        List<string>? bestMatched = null;
        var bestScore = double.NegativeInfinity;
        foreach (var variant in placement.ByPriority)
        {
            if (variant.Holdout || !input.IsAvailable(placement.Definition, variant.Definition))
            {
                continue;
            }
            var matched = new List<string>();
            var score = variant.CriteriaCount == 0 ? 0 : Evaluate(variant, input, matched) / variant.CriteriaCount;
            // ByPriority is in priority order, so a tie keeps the earlier (higher-priority) variant.
            if (score > bestScore)
            {
                (best, bestMatched, bestScore) = (variant, matched, score);
            }
        }
        return best is not null && bestScore >= threshold
            ? new Decision(placement, best.Definition, DecisionReason.Matched, bestMatched!, Math.Round(bestScore, 4))
            : Fallback(placement, input) with
            {
                Score = best is null ? null : Math.Round(bestScore, 4),
            };
    }

    private static Decision ByWeight(CompiledPlacement placement, DecisionInput input)
    {
        var eligible = new List<(CompiledVariant Variant, List<string> Matched)>();
        long total = 0;
        foreach (var variant in placement.InOrder)
        {
            // Weight 0 takes a variant out of the draw (it can still be the fallback).
            if (variant.Holdout || variant.Definition.Weight <= 0 || !input.IsAvailable(placement.Definition, variant.Definition))
            {
                continue;
            }
            var matched = new List<string>();
            if (Evaluate(variant, input, matched) == variant.CriteriaCount)
            {
                eligible.Add((variant, matched));
                total += variant.Definition.Weight;
            }
        }
        if (eligible.Count == 0)
        {
            return Fallback(placement, input);
        }
        var point = (long)(Unit(input.Subject, placement.Definition.Key, "weight") * total);
        foreach (var (variant, matched) in eligible)
        {
            point -= variant.Definition.Weight;
            if (point < 0)
            {
                return new Decision(placement, variant.Definition, DecisionReason.Matched, matched);
            }
        }
        return new Decision(placement, eligible[^1].Variant.Definition, DecisionReason.Matched, eligible[^1].Matched);
    }

    private static Decision Fallback(CompiledPlacement placement, DecisionInput input) =>
        placement.Definition.FindVariant(placement.Definition.Fallback) is { } fallback && input.IsAvailable(placement.Definition, fallback)
            ? new Decision(placement, fallback, DecisionReason.Fallback, [])
            : new Decision(placement, null, DecisionReason.None, []);

    /// <summary>
    /// How much of a variant's targeting holds, in criteria (a segments criterion counts the share of
    /// its keys the customer holds, so a score can be partial); the matched ones are named in
    /// <paramref name="matched"/>. Every criterion holds when the result equals <see cref="CompiledVariant.CriteriaCount"/>.
    /// </summary>
    private static double Evaluate(CompiledVariant variant, DecisionInput input, List<string> matched)
    {
        var targeting = variant.Definition.Targeting;
        double held = 0;
        if (!targeting.Segments.IsEmpty)
        {
            var members = 0;
            foreach (var segment in targeting.Segments)
            {
                if (input.Segments.Contains(segment))
                {
                    members++;
                    matched.Add("segment:" + segment);
                }
            }
            // First-match and weighted need one of the segments; score counts the share held.
            held +=
                variant.Placement.Strategy == PlacementStrategy.Score ? (double)members / targeting.Segments.Count
                : members > 0 ? 1
                : 0;
        }
        if (!targeting.LifecycleStages.IsEmpty && input.LifecycleStage is { } stage && targeting.LifecycleStages.Contains(stage))
        {
            held++;
            matched.Add("lifecycleStage:" + stage);
        }
        if (!targeting.Languages.IsEmpty)
        {
            var language = input.PreferredLanguage ?? input.Request.Language;
            foreach (var tag in targeting.Languages)
            {
                if (DecisionSchema.LanguageMatches(tag, language))
                {
                    held++;
                    matched.Add("language:" + tag);
                    break;
                }
            }
        }
        if (!targeting.Devices.IsEmpty && input.Request.Device is { } device && targeting.Devices.Contains(device))
        {
            held++;
            matched.Add("device:" + device);
        }
        if (variant.Rule is { } rule && rule(input.Facts, input.NowMs))
        {
            held++;
            matched.Add("rule");
        }
        return held;
    }

    /// <summary>A stable number in [0, 1) for a subject, a placement and a purpose; random when there is no subject.</summary>
    public static double Unit(string? subject, string placement, string purpose)
    {
        if (subject is null)
        {
            return Random.Shared.NextDouble();
        }
        var bytes = Encoding.UTF8.GetBytes(subject + "\n" + placement + "\n" + purpose);
        Span<byte> hash = stackalloc byte[8];
        XxHash64.Hash(bytes, hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}

/// <summary>A variant with its rule compiled against the catalog's slots.</summary>
public sealed class CompiledVariant(PlacementDefinition placement, PlacementVariant definition, CompiledRule? rule)
{
    public PlacementDefinition Placement { get; } = placement;

    public PlacementVariant Definition { get; } = definition;

    public CompiledRule? Rule { get; } = rule;

    public int CriteriaCount { get; } = definition.Targeting.CriteriaCount;

    /// <summary>The control variant of the placement's holdout: served to the control group only.</summary>
    public bool Holdout { get; } = placement.Holdout is { } h && h.Variant == definition.Key;
}

/// <summary>A placement ready to decide: its variants compiled, in list order and in priority order.</summary>
public sealed class CompiledPlacement
{
    public CompiledPlacement(PlacementDefinition definition, string etag, IReadOnlyList<CompiledVariant> variants)
    {
        Definition = definition;
        ETag = etag;
        InOrder = variants;
        // A stable sort: equal priorities keep the list order.
        ByPriority =
        [
            .. variants.Select((v, i) => (v, i)).OrderByDescending(p => p.v.Definition.Priority).ThenBy(p => p.i).Select(p => p.v),
        ];
    }

    public PlacementDefinition Definition { get; }

    public string ETag { get; }

    public IReadOnlyList<CompiledVariant> InOrder { get; }

    public IReadOnlyList<CompiledVariant> ByPriority { get; }
}

/// <summary>
/// Every placement compiled against one slot table, so a request that asks for several
/// placements reads the profile's facts once.
/// </summary>
public sealed class PlacementCatalog
{
    private readonly Dictionary<string, CompiledPlacement> _placements;

    public PlacementCatalog(RuleSlots slots, IEnumerable<CompiledPlacement> placements, string fingerprint)
    {
        Slots = slots;
        _placements = placements.ToDictionary(p => p.Definition.Key, StringComparer.Ordinal);
        Fingerprint = fingerprint;
    }

    public RuleSlots Slots { get; }

    /// <summary>Changes whenever a placement or the customer schema the rules compiled against does.</summary>
    public string Fingerprint { get; }

    public IReadOnlyCollection<CompiledPlacement> Placements => _placements.Values;

    public CompiledPlacement? Find(string key) => _placements.GetValueOrDefault(key);

    /// <summary>The facts every rule of the catalog reads, from the profile (null: anonymous) and the request.</summary>
    public ProfileFacts LoadFacts(JsonElement? profile, RequestContext request, string subject)
    {
        if (Slots.Fields.Count == 0)
        {
            return new ProfileFacts(subject, [], []);
        }
        using var document = JsonDocument.Parse(DecisionSchema.Compose(profile, request));
        return Slots.Load(document.RootElement, subject);
    }

    private static readonly CompiledRule Never = (_, _) => false;

    /// <summary>Compiles placements (already validated) against the decision schema.</summary>
    public static PlacementCatalog Compile(
        Content.ContentSchema decisionSchema,
        IEnumerable<(PlacementDefinition Definition, string ETag)> placements,
        string fingerprint
    )
    {
        var slots = new RuleSlots(decisionSchema);
        var compiled = new List<CompiledPlacement>();
        foreach (var (definition, etag) in placements)
        {
            var variants = new List<CompiledVariant>();
            foreach (var variant in definition.Variants)
            {
                CompiledRule? rule = null;
                if (variant.Targeting.Rule is { } text)
                {
                    try
                    {
                        rule = RuleCompiler.Compile(RuleParser.Parse(text.Parse(), decisionSchema), slots);
                    }
                    catch (Common.ValidationException)
                    {
                        // Valid when saved, but the customer schema changed under it (a field was
                        // removed): the rule no longer holds for anyone until the placement is fixed.
                        rule = Never;
                    }
                }
                variants.Add(new CompiledVariant(definition, variant, rule));
            }
            compiled.Add(new CompiledPlacement(definition, etag, variants));
        }
        return new PlacementCatalog(slots, compiled, fingerprint);
    }
}
