using System.Collections.Frozen;
using Cx.Core.Content;
using Cx.Core.Rules;

namespace Cx.Core.Flags;

/// <summary>Why an evaluation served what it served (OpenFeature reason codes, upper-case on the wire).</summary>
public enum FlagReason
{
    /// <summary>The flag is off: its off variation.</summary>
    Disabled,

    /// <summary>A targeting rule matched and served one variation.</summary>
    TargetingMatch,

    /// <summary>A rollout placed the unit (or its stored exposure did).</summary>
    Split,

    /// <summary>No rule served and the fallthrough did not include the unit: the off variation.</summary>
    Default,

    /// <summary>A prerequisite flag did not serve its required variation: the off variation.</summary>
    PrerequisiteFailed,

    /// <summary>The flag could not be evaluated (see <see cref="FlagErrorCode"/>).</summary>
    Error,
}

/// <summary>Why an evaluation failed (OpenFeature error codes).</summary>
public enum FlagErrorCode
{
    None,

    /// <summary>A rollout needs the unit id (OpenFeature's targetingKey) and the context has none.</summary>
    TargetingKeyMissing,

    /// <summary>Prerequisites nest deeper than <see cref="FlagEvaluator.MaxDepth"/> (cannot happen with saved flags).</summary>
    General,
}

/// <summary>The outcome of one evaluation: a variation index (-1 on error), the reason and the rule (-1: none, fallthrough).</summary>
public readonly record struct FlagResult(int Variation, FlagReason Reason, int Rule, FlagErrorCode Error, bool NewExposure);

/// <summary>The stored exposures of one unit: the variation index it was given by a flag's rollout, or -1.</summary>
public interface IFlagExposureView
{
    int Find(int flagIndex);
}

/// <summary>The content switches (<c>flag_active</c>) as read for one evaluation: true when a flag's switch is not on.</summary>
public interface IFlagSwitches
{
    bool IsOff(int flagIndex);
}

/// <summary>What a unit is evaluated with: its id (the bucketing key), its attributes as rule facts, its segments, the time.</summary>
public readonly struct FlagContext(
    string? unitId,
    ProfileFacts facts,
    IReadOnlySet<string>? segments,
    long nowMs,
    IFlagExposureView? exposures = null,
    IFlagSwitches? switches = null
)
{
    public string? UnitId { get; } = unitId;

    public ProfileFacts Facts { get; } = facts;

    public IReadOnlySet<string>? Segments { get; } = segments;

    public long NowMs { get; } = nowMs;

    public IFlagExposureView? Exposures { get; } = exposures;

    public IFlagSwitches? Switches { get; } = switches;
}

/// <summary>A serve compiled: one variation index, or a rollout (coverage, weights and their variation indexes).</summary>
public sealed class CompiledServe(int variation, int coverage, int[] weights, int[] variations)
{
    public int Variation { get; } = variation;

    public bool IsRollout => Weights.Length > 0;

    public int Coverage { get; } = coverage;

    public int[] Weights { get; } = weights;

    public int[] Variations { get; } = variations;
}

/// <summary>A targeting rule compiled: its criteria (null: always), its segments and its serve.</summary>
public sealed class CompiledFlagRule(CompiledRule? criteria, string[] segments, CompiledServe serve)
{
    public CompiledRule? Criteria { get; } = criteria;

    public string[] Segments { get; } = segments;

    public CompiledServe Serve { get; } = serve;
}

/// <summary>A published flag compiled for evaluation: indexes instead of names, delegates instead of rules.</summary>
public sealed class CompiledFlag(
    FlagRelease release,
    bool enabled,
    int offVariation,
    (int Flag, int Variation)[] prerequisites,
    CompiledFlagRule[] rules,
    CompiledServe? fallthrough
)
{
    public FlagRelease Release { get; } = release;

    public string Key => Release.FlagKey;

    public FlagDefinition Definition => Release.Flag;

    public bool Enabled { get; } = enabled;

    public int OffVariation { get; } = offVariation;

    public (int Flag, int Variation)[] Prerequisites { get; } = prerequisites;

    public CompiledFlagRule[] Rules { get; } = rules;

    public CompiledServe? Fallthrough { get; } = fallthrough;

    /// <summary>True when some rule or the fallthrough is a rollout (stored exposures matter).</summary>
    public bool HasRollout => Fallthrough is { IsRollout: true } || Array.Exists(Rules, r => r.Serve.IsRollout);

    /// <summary>True when a <c>flag_active</c> in content switches the flag (off unless the context's switches say it is on).</summary>
    public bool HasSwitch => Definition.ContentSwitch is not null;

    /// <summary>True when some rule reads segment membership.</summary>
    public bool ReadsSegments => Array.Exists(Rules, r => r.Segments.Length > 0);
}

/// <summary>Every published flag, compiled against one customer schema; the slots give the facts a context needs.</summary>
public sealed class FlagSet(CompiledFlag[] flags, FrozenDictionary<string, int> index, RuleSlots slots, string fingerprint)
{
    public CompiledFlag[] Flags { get; } = flags;

    public FrozenDictionary<string, int> Index { get; } = index;

    public RuleSlots Slots { get; } = slots;

    /// <summary>Differs whenever any published flag or the customer schema does.</summary>
    public string Fingerprint { get; } = fingerprint;

    public ContentSchema Schema => Slots.Schema;

    public int IndexOf(string key) => Index.TryGetValue(key, out var i) ? i : -1;

    /// <summary>True when some flag rolls out by percentage (then an evaluation of every flag reads the unit's stored exposures).</summary>
    public bool AnyRollout { get; } = Array.Exists(flags, f => f.HasRollout);

    /// <summary>True when some flag's rules, or those of its prerequisites, read segment membership.</summary>
    public bool AnyReadsSegments { get; } = Array.Exists(flags, f => f.ReadsSegments);

    /// <summary>True when some flag has a content switch (<c>flag_active</c>): otherwise evaluation reads no entry.</summary>
    public bool AnyContentSwitch { get; } = Array.Exists(flags, f => f.Definition.ContentSwitch is not null);
}

/// <summary>
/// Evaluates compiled flags. Allocates nothing: compiled rule delegates over facts loaded once per
/// context, a stack-buffer hash for buckets, indexes everywhere (BenchmarkDotNet:
/// tests/Cx.Benchmarks/FlagEvaluationBenchmarks.cs).
/// </summary>
public static class FlagEvaluator
{
    /// <summary>How deep prerequisites may nest (saved flags have no cycles; this bounds a broken store).</summary>
    public const int MaxDepth = 16;

    public static FlagResult Evaluate(FlagSet set, int flagIndex, in FlagContext context) => Evaluate(set, flagIndex, context, 0);

    private static FlagResult Evaluate(FlagSet set, int flagIndex, in FlagContext context, int depth)
    {
        var flag = set.Flags[flagIndex];
        if (!flag.Enabled || (flag.HasSwitch && (context.Switches?.IsOff(flagIndex) ?? true)))
        {
            return new(flag.OffVariation, FlagReason.Disabled, -1, FlagErrorCode.None, false);
        }
        if (depth > MaxDepth)
        {
            return new(-1, FlagReason.Error, -1, FlagErrorCode.General, false);
        }
        foreach (var (prerequisite, variation) in flag.Prerequisites)
        {
            if (prerequisite < 0 || Evaluate(set, prerequisite, context, depth + 1).Variation != variation)
            {
                return new(flag.OffVariation, FlagReason.PrerequisiteFailed, -1, FlagErrorCode.None, false);
            }
        }
        var rules = flag.Rules;
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            if (!Matches(rule, context))
            {
                continue;
            }
            if (!rule.Serve.IsRollout)
            {
                return new(rule.Serve.Variation, FlagReason.TargetingMatch, i, FlagErrorCode.None, false);
            }
            var placed = Place(flag, flagIndex, rule.Serve, i, context);
            if (placed.Variation >= 0 || placed.Reason == FlagReason.Error)
            {
                return placed;
            }
        }
        if (flag.Fallthrough is not { } fallthrough)
        {
            return new(flag.OffVariation, FlagReason.Default, -1, FlagErrorCode.None, false);
        }
        if (!fallthrough.IsRollout)
        {
            return new(fallthrough.Variation, FlagReason.Default, -1, FlagErrorCode.None, false);
        }
        var last = Place(flag, flagIndex, fallthrough, -1, context);
        return last.Variation >= 0 || last.Reason == FlagReason.Error
            ? last
            : new(flag.OffVariation, FlagReason.Default, -1, FlagErrorCode.None, false);
    }

    private static bool Matches(CompiledFlagRule rule, in FlagContext context)
    {
        if (rule.Segments.Length > 0)
        {
            if (context.Segments is not { } segments)
            {
                return false;
            }
            foreach (var segment in rule.Segments)
            {
                if (!segments.Contains(segment))
                {
                    return false;
                }
            }
        }
        return rule.Criteria is null || rule.Criteria(context.Facts, context.NowMs);
    }

    /// <summary>A rollout: the stored exposure when the unit has one among the rollout's variations, else its bucket.</summary>
    private static FlagResult Place(CompiledFlag flag, int flagIndex, CompiledServe serve, int rule, in FlagContext context)
    {
        if (context.UnitId is not { Length: > 0 } unit)
        {
            return new(-1, FlagReason.Error, rule, FlagErrorCode.TargetingKeyMissing, false);
        }
        if (context.Exposures?.Find(flagIndex) is { } stored and >= 0 && Array.IndexOf(serve.Variations, stored) >= 0)
        {
            return new(stored, FlagReason.Split, rule, FlagErrorCode.None, false);
        }
        var pick = FlagBuckets.Pick(FlagBuckets.Bucket(flag.Key, unit), serve.Coverage, serve.Weights);
        return pick < 0
            ? new(-1, FlagReason.Default, rule, FlagErrorCode.None, false)
            : new(serve.Variations[pick], FlagReason.Split, rule, FlagErrorCode.None, true);
    }
}
