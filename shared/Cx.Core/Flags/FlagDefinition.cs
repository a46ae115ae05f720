using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Flags;

/// <summary>The type of every value a flag serves (OpenFeature's boolean, string, number and object).</summary>
public enum FlagType
{
    Boolean,
    String,
    Number,
    Json,
}

/// <summary>One value a flag can serve, named by its key (<c>on</c>, <c>blue</c>, ...).</summary>
public sealed record FlagVariation
{
    public string Key { get; init; } = "";

    /// <summary>The JSON value served; its JSON type must match the flag's <see cref="FlagType"/>.</summary>
    public JsonLiteral? Value { get; init; }

    public string? Description { get; init; }
}

/// <summary>A share of a rollout: the variation and its weight in basis points (the weights sum to 10,000).</summary>
public sealed record FlagWeight
{
    public string Variation { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int Weight { get; init; }
}

/// <summary>
/// A percentage rollout: units whose bucket (0-9,999, see <see cref="FlagBuckets"/>) is below
/// <see cref="Coverage"/> are split between the variations by their weights; the others fall
/// through to the next rule. An exposed unit keeps its variation when coverage or weights change.
/// </summary>
public sealed record FlagRollout
{
    /// <summary>Basis points of units included (10,000 = every unit).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int Coverage { get; init; } = FlagBuckets.Buckets;

    public EquatableArray<FlagWeight> Weights { get; init; } = [];
}

/// <summary>What a rule or the fallthrough serves: one variation, or a rollout.</summary>
public sealed record FlagServe
{
    public string? Variation { get; init; }

    public FlagRollout? Rollout { get; init; }
}

/// <summary>
/// A targeting rule: matches when the unit is in every listed segment and the criteria (the shared
/// rule language over customer fields, read from the evaluation context) hold.
/// </summary>
public sealed record FlagRule
{
    public string? Description { get; init; }

    /// <summary>A rule of the shared rule language over customer fields (behaviour conditions are not allowed).</summary>
    public JsonLiteral? Criteria { get; init; }

    /// <summary>Segment keys the unit (a customer) must be a member of, all of them.</summary>
    public EquatableArray<string> Segments { get; init; } = [];

    public FlagServe? Serve { get; init; }
}

/// <summary>Another flag that must serve one variation before this one is evaluated.</summary>
public sealed record FlagPrerequisite
{
    public string Flag { get; init; } = "";

    public string Variation { get; init; } = "";
}

/// <summary>
/// The seed's <c>flag_active</c>: a boolean field named <c>flag_active</c> on a component of a content
/// entry that switches the flag. While it is not true, the flag serves its off variation (reason
/// DISABLED) to everyone, so editors pause and launch from the content, without a deploy.
/// </summary>
public sealed record FlagContentSwitch
{
    /// <summary>The content type of the entry.</summary>
    public string ContentType { get; init; } = "";

    /// <summary>The entry id (a collection type); absent for a single type.</summary>
    public string? Entry { get; init; }

    /// <summary>The JSON Pointer of the field in the entry: through components, ending in <c>/flag_active</c>.</summary>
    public string Path { get; init; } = "";
}

/// <summary>A published version of a flag: what evaluation serves until the next publish.</summary>
public sealed record FlagRelease
{
    public required string FlagKey { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required int Version { get; init; }

    public required string PublishedAt { get; init; }

    public required string PublishedBy { get; init; }

    public required FlagDefinition Flag { get; init; }
}

/// <summary>
/// A feature flag document: the draft that editors change (every property but <see cref="Published"/>)
/// and the release that evaluation serves (<see cref="Published"/>, written only by publishing). A
/// flag that was never published evaluates as not found. Immutable; compares by value.
/// </summary>
public sealed record FlagDefinition
{
    public string Key { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    /// <summary>The type of the values served (<c>type</c> is the document envelope's).</summary>
    public FlagType ValueType { get; init; } = FlagType.Boolean;

    public EquatableArray<FlagVariation> Variations { get; init; } = [];

    /// <summary>Off: every unit gets <see cref="OffVariation"/> (reason DISABLED).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool Enabled { get; init; }

    /// <summary>Served when the flag is off or a prerequisite fails.</summary>
    public string OffVariation { get; init; } = "";

    public EquatableArray<FlagPrerequisite> Prerequisites { get; init; } = [];

    /// <summary>Targeting rules in order; the first that matches (and includes the unit) serves.</summary>
    public EquatableArray<FlagRule> Rules { get; init; } = [];

    /// <summary>Served when the flag is on and no rule served.</summary>
    public FlagServe? Fallthrough { get; init; }

    /// <summary>A <c>flag_active</c> boolean in content that must be true for the flag to be on.</summary>
    public FlagContentSwitch? ContentSwitch { get; init; }

    /// <summary>The release evaluation serves (server-owned: written by publishing; null until then).</summary>
    public FlagRelease? Published { get; init; }
}

/// <summary>The document types the flags capability stores.</summary>
public static class FlagDocuments
{
    /// <summary>Flag documents: definitions container, partition <c>flag</c>, id = key.</summary>
    public const string Flag = "flag";

    /// <summary>One document per publish: definitions container, partition <c>flagVersion</c>, id <c>{key}.{version}</c>.</summary>
    public const string Version = "flagVersion";

    /// <summary>The stored exposures of a unit to rollouts, one document per unit: definitions container, partition <c>flagExposure.{unitId}</c>, id <c>exposures</c>.</summary>
    public const string Exposure = "flagExposure";

    public static string VersionId(string key, int version) =>
        key + "." + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string ExposurePartition(string flagKey) => Exposure + "." + flagKey;
}
