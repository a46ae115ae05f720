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

/// <summary>The serializer contracts of the flag endpoints: the responses use them and the OpenAPI document is derived from them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FlagEvaluationView))]
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
