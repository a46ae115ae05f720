using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Personalization;

/// <summary>How a placement picks among the variants whose targeting matches.</summary>
public enum PlacementStrategy
{
    /// <summary>The matching variant with the highest priority (ties: the earlier one in the list).</summary>
    FirstMatch,

    /// <summary>
    /// Every variant is scored by the share of its targeting criteria that hold; the best score at
    /// or above the placement's threshold wins (ties by priority), else the fallback.
    /// </summary>
    Score,

    /// <summary>Among the matching variants, one by weight, stable per customer (a hash of subject and placement).</summary>
    Weighted,
}

/// <summary>
/// Who a variant is for. Every criterion given must hold (segments: any of the keys; lists: any
/// of the values); a variant without criteria matches everyone.
/// </summary>
public sealed record VariantTargeting
{
    /// <summary>Segment keys: the customer is a member of at least one.</summary>
    public EquatableArray<string> Segments { get; init; }

    /// <summary>Values of the profile's <c>lifecycleStage</c> field (when the customer type has one).</summary>
    public EquatableArray<string> LifecycleStages { get; init; }

    /// <summary>Language tags; <c>pt</c> matches <c>pt-PT</c>. The profile's preferred language, else the request's.</summary>
    public EquatableArray<string> Languages { get; init; }

    /// <summary>Devices: <c>mobile</c>, <c>tablet</c>, <c>desktop</c>, <c>kiosk</c>, <c>other</c>.</summary>
    public EquatableArray<string> Devices { get; init; }

    /// <summary>A rule of the shared rule language over the profile and <c>request.*</c> (device, language, country, local time, UTM, referrer).</summary>
    public JsonLiteral? Rule { get; init; }

    [JsonIgnore]
    public int CriteriaCount =>
        (Segments.IsEmpty ? 0 : 1)
        + (LifecycleStages.IsEmpty ? 0 : 1)
        + (Languages.IsEmpty ? 0 : 1)
        + (Devices.IsEmpty ? 0 : 1)
        + (Rule is null ? 0 : 1);
}

/// <summary>One candidate of a placement: an entry of the placement's content type and who it is for.</summary>
public sealed record PlacementVariant
{
    /// <summary>The variant's key within the placement: <c>[a-z][a-z0-9-]{0,63}</c>.</summary>
    public string Key { get; init; } = "";

    /// <summary>The id of the content entry served (of the placement's content type).</summary>
    public string Entry { get; init; } = "";

    /// <summary>Higher wins first (first-match) and breaks score ties.</summary>
    public int Priority { get; init; }

    /// <summary>The share of the weighted strategy (1-10,000); ignored by the others.</summary>
    public int Weight { get; init; } = 1;

    public VariantTargeting Targeting { get; init; } = new();
}

/// <summary>
/// A control group: a share of customers always gets the control variant, whatever the rules say.
/// The assignment is drawn once per customer and placement and stored beside the profile, so it
/// never flips when the rules or the share change.
/// </summary>
public sealed record PlacementHoldout
{
    /// <summary>The share of customers held out, 0-50 per cent.</summary>
    public double Percent { get; init; }

    /// <summary>The variant the held-out customers get.</summary>
    public string Variant { get; init; } = "";
}

/// <summary>
/// A placement (<c>homepage.hero</c>): a slot of a page or screen and its candidate variants,
/// all entries of one content type, so a client renders any of them. A definition document
/// (<c>type = placement</c>, definitions container); immutable, compares by value so an
/// unchanged save writes nothing.
/// </summary>
public sealed record PlacementDefinition
{
    /// <summary>Dotted lower-case key such as <c>homepage.hero</c>; fixed once created.</summary>
    public string Key { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    /// <summary>The content type of every variant's entry.</summary>
    public string ContentType { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public PlacementStrategy Strategy { get; init; } = PlacementStrategy.FirstMatch;

    /// <summary>The score a variant needs under the score strategy (0-1).</summary>
    public double? Threshold { get; init; }

    /// <summary>The variant served when none matches (none: the placement is answered empty).</summary>
    public string? Fallback { get; init; }

    public PlacementHoldout? Holdout { get; init; }

    public EquatableArray<PlacementVariant> Variants { get; init; }

    /// <summary>1 when created, +1 with every change (server-owned).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int Version { get; init; } = 1;

    public PlacementVariant? FindVariant(string? key)
    {
        foreach (var variant in Variants)
        {
            if (string.Equals(variant.Key, key, StringComparison.Ordinal))
            {
                return variant;
            }
        }
        return null;
    }
}

/// <summary>The document types the personalization capability stores.</summary>
public static class PersonalizationDocuments
{
    /// <summary>Placement definitions: definitions container, partition <c>placement</c>, id = key.</summary>
    public const string Placement = "placement";

    /// <summary>A customer's holdout assignments: customers container, the customer's partition, id <c>{customerId}.personalization</c>.</summary>
    public const string Assignments = "personalization";

    /// <summary>Sampled decisions: definitions container, partition <c>decisionLog</c>, id = decision id.</summary>
    public const string DecisionLog = "decisionLog";

    public static string AssignmentsId(string customerId) => customerId + ".personalization";
}

/// <summary>The audit actions of personalization.</summary>
public static class PersonalizationAuditActions
{
    public const string PlacementSaved = "placement.saved";
    public const string PlacementDeleted = "placement.deleted";
}
