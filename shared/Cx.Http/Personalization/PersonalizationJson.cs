using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Http.Personalization;

/// <summary>
/// One placement's answer: which variant won and why (strategy, reason, matched criteria, score,
/// holdout) and the chosen entry (absent when nothing is served).
/// </summary>
public sealed record PlacementDecisionView(
    string Placement,
    int Version,
    string Strategy,
    string Reason,
    IReadOnlyList<string> Matched,
    string ContentType,
    string? Variant = null,
    string? EntryId = null,
    JsonElement? Entry = null,
    double? Score = null,
    bool? Holdout = null
);

/// <summary>The answer of a decision request: its id, who it was for, their segments, and every asked placement in order.</summary>
public sealed record DecisionView(
    string DecisionId,
    string At,
    IReadOnlyList<string> Segments,
    IReadOnlyList<PlacementDecisionView> Placements,
    string? CustomerId = null,
    string? AnonymousId = null,
    bool? Preview = null
);

/// <summary>A hypothetical request context for a preview.</summary>
public sealed record PreviewContextInput
{
    public string? Device { get; init; }

    public string? Language { get; init; }

    public string? Country { get; init; }

    public string? TimeZone { get; init; }

    public int? LocalHour { get; init; }

    public string? UtmSource { get; init; }

    public string? UtmMedium { get; init; }

    public string? UtmCampaign { get; init; }

    public string? UtmTerm { get; init; }

    public string? UtmContent { get; init; }

    public string? Referrer { get; init; }
}

/// <summary>What a marketer previews: placements for a stored customer, a hypothetical one, or both (the profile over the stored one).</summary>
public sealed record PreviewInput
{
    public EquatableArray<string> Placements { get; init; }

    public string? CustomerId { get; init; }

    public JsonLiteral? Profile { get; init; }

    public EquatableArray<string>? Segments { get; init; }

    public PreviewContextInput? Context { get; init; }

    public string[]? Fields { get; init; }
}

/// <summary>An edge token and its claims in clear: subject, segments, holdout bucket and per-placement control-group assignments.</summary>
public sealed record EdgeTokenView(
    string Token,
    string ExpiresAt,
    string Subject,
    IReadOnlyList<string> Segments,
    int HoldoutBucket,
    IReadOnlyDictionary<string, bool> Holdouts
);

/// <summary>The serializer contracts of the decision endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionView))]
[JsonSerializable(typeof(EdgeTokenView))]
public sealed partial class PersonalizationJsonContext : JsonSerializerContext
{
    public static PersonalizationJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}
