using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cx.Http.Flags;

/// <summary>
/// What a flag served a unit: the value and its variation key, why (DISABLED, TARGETING_MATCH,
/// SPLIT, DEFAULT, PREREQUISITE_FAILED), the release version it came from and the bucket (0-9,999)
/// of the unit for this flag when it has a targeting key.
/// </summary>
public sealed record FlagEvaluationView(string Key, JsonElement Value, string Variant, string Reason, int Version, int? Bucket = null);

/// <summary>OFREP metadata of an evaluation: the release version that served it.</summary>
public sealed record OfrepMetadata(int Version);

/// <summary>
/// One flag as OFREP answers it: on success key, value, reason, variant and metadata; on failure
/// key, errorCode (TARGETING_KEY_MISSING, INVALID_CONTEXT, GENERAL) and errorDetails.
/// </summary>
public sealed record OfrepFlagView(
    string Key,
    JsonElement? Value = null,
    string? Reason = null,
    string? Variant = null,
    OfrepMetadata? Metadata = null,
    string? ErrorCode = null,
    string? ErrorDetails = null
);

/// <summary>The OFREP bulk evaluation: every published flag for the context.</summary>
public sealed record OfrepBulkView(IReadOnlyList<OfrepFlagView> Flags);

/// <summary>The serializer contracts of the flag endpoints: the responses use them and the OpenAPI document is derived from them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FlagEvaluationView))]
[JsonSerializable(typeof(OfrepFlagView))]
[JsonSerializable(typeof(OfrepBulkView))]
public sealed partial class FlagJsonContext : JsonSerializerContext
{
    /// <summary>The context with readable escaping, as every Cx response.</summary>
    public static FlagJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}
