using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cx.Http.Audit;

/// <summary>An audit entry as the API returns it, with its place in its month's hash chain (seq, prevHash, hash).</summary>
public sealed record AuditEntryView(
    string Id,
    string Type,
    string At,
    string Actor,
    string Action,
    string TargetType,
    string Outcome,
    string? ActorName = null,
    string? TargetId = null,
    string? ClientIp = null,
    string? TraceId = null,
    JsonElement? Details = null,
    long? Seq = null,
    string? PrevHash = null,
    string? Hash = null
);

/// <summary>The serializer contract of audit entries, from which the OpenAPI document describes them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditEntryView))]
public sealed partial class AuditJsonContext : JsonSerializerContext;
