using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Http.Responses;

namespace Cx.Http.Segments;

/// <summary>How many customers unsaved criteria match now, and the first of them in id order.</summary>
public sealed record SegmentPreviewView(long Count, long Evaluated, IReadOnlyList<string> Sample, string AsOf);

/// <summary>What saving new criteria would change: customers added, removed, members after and before.</summary>
public sealed record SegmentDryRunView(
    string Segment,
    int RuleVersion,
    long WouldAdd,
    long WouldRemove,
    long Total,
    long Current,
    long Evaluated,
    string AsOf
);

/// <summary>One condition of a rule, the value it saw, its result, and the conditions inside it.</summary>
public sealed record ConditionExplanationView(
    string Condition,
    bool Result,
    string? Observed = null,
    IReadOnlyList<ConditionExplanationView>? Children = null
);

/// <summary>A customer's stored membership of a segment.</summary>
public sealed record SegmentMembershipView(string Since, int RuleVersion);

/// <summary>Why a customer is or is not in a segment.</summary>
public sealed record SegmentExplanationView(
    string CustomerId,
    string Segment,
    int RuleVersion,
    string Status,
    bool Member,
    bool Matches,
    string AsOf,
    ConditionExplanationView Explanation,
    SegmentMembershipView? Membership = null
);

/// <summary>A member of a segment.</summary>
public sealed record SegmentMemberView(string CustomerId, string Since, int RuleVersion);

/// <summary>One rule version of a segment, as saved.</summary>
public sealed record SegmentVersionView(
    string Segment,
    int Version,
    string Name,
    string Status,
    JsonElement Criteria,
    string SavedBy,
    string SavedAt,
    string? Description = null
);

/// <summary>The progress of a segment's recompute.</summary>
public sealed record SegmentRecomputeView(
    string Segment,
    int RuleVersion,
    string Reason,
    string State,
    long Processed,
    long Total,
    long Entered,
    long Exited,
    long Matched,
    string QueuedAt,
    string? StartedAt = null,
    string? CompletedAt = null,
    string? Error = null
);

/// <summary>The serializer contracts of the segment endpoints: the responses use them and the OpenAPI document is derived from them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SegmentPreviewView))]
[JsonSerializable(typeof(SegmentDryRunView))]
[JsonSerializable(typeof(SegmentExplanationView))]
[JsonSerializable(typeof(ItemsPage<SegmentMemberView>))]
[JsonSerializable(typeof(ItemsPage<SegmentVersionView>))]
[JsonSerializable(typeof(SegmentRecomputeView))]
public sealed partial class SegmentJsonContext : JsonSerializerContext
{
    /// <summary>The context with readable escaping, as every Cx response.</summary>
    public static SegmentJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}
