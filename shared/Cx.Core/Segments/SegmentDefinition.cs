using System.Text.Json.Serialization;
using Cx.Core.Content;

namespace Cx.Core.Segments;

/// <summary>What a segment does with its members.</summary>
public enum SegmentStatus
{
    /// <summary>Membership follows the rule: profile changes, behaviour, the sweep and recomputes keep it current.</summary>
    Active,

    /// <summary>Membership is frozen: nobody enters or leaves until the segment is active again (then it is recomputed).</summary>
    Paused,

    /// <summary>Out of use: every member is removed (by a recompute job); an archived segment with no members can be deleted.</summary>
    Archived,
}

/// <summary>
/// A segment: a definition document that marketers change through the API. The criteria are a
/// rule of the shared rule language (<see cref="Rules.RuleParser"/>, documented by
/// docs/schemas/segment-criteria.schema.json). Immutable; compares by value, so an unchanged save
/// writes nothing.
/// </summary>
public sealed record SegmentDefinition
{
    /// <summary>The segment's key: <c>[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?</c>, fixed once created.</summary>
    public string Key { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    /// <summary>The rule, as the client wrote it (validated against the customer schema when saved).</summary>
    public JsonLiteral? Criteria { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public SegmentStatus Status { get; init; } = SegmentStatus.Active;

    /// <summary>The rule version: 1 when created, +1 each time the criteria change (server-owned).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int Version { get; init; } = 1;
}

/// <summary>The document types and partitions the segments capability stores.</summary>
public static class SegmentDocuments
{
    /// <summary>Segment definitions: definitions container, partition <c>segment</c>, id = key.</summary>
    public const string Segment = "segment";

    /// <summary>One document per rule version: definitions container, partition <c>segmentVersion</c>, id <c>{key}.{version}</c>.</summary>
    public const string Version = "segmentVersion";

    /// <summary>The recompute job of a segment: definitions container, partition <c>segmentJob</c>, id = key.</summary>
    public const string Job = "segmentJob";

    /// <summary>One document per (segment, member): memberships container, partition = segment key, id = customer id.</summary>
    public const string Member = "segmentMember";

    public static string VersionId(string key, int version) =>
        key + "." + version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
