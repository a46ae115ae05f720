using System.Text.Json.Serialization;

namespace Cx.Azure.Cosmos;

/// <summary>Where a unique value is used: the document that holds it.</summary>
internal sealed record UniqueOwner(string Container, string Pk, string Id);

/// <summary>
/// A unique-value reservation in the <c>uniques</c> container. The id (and partition key) is a
/// hash of scope and value, so the value itself (often personal data) is not stored again.
/// </summary>
internal sealed record UniqueReservation(string Id, string Pk, string Scope, UniqueOwner Owner, long ClaimedAt)
{
    [JsonPropertyName("_etag")]
    public string? ETag { get; init; }
}

/// <summary>Where a consumer is in one feed range of one container; a null token means "from the beginning".</summary>
internal sealed record FeedCursor(string Container, string Range, string? Token);

/// <summary>A consumer's committed checkpoint in the <c>leases</c> container.</summary>
internal sealed record ConsumerLease(string Id, string Pk, string Consumer, long Version, int Start, IReadOnlyList<FeedCursor> Cursors)
{
    [JsonPropertyName("_etag")]
    public string? ETag { get; init; }
}

/// <summary>The opaque checkpoint string of a batch: the lease version it was read from and where the consumer will be.</summary>
internal sealed record FeedCheckpoint(string Consumer, long Base, int Start, IReadOnlyList<FeedCursor> Cursors);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
)]
[JsonSerializable(typeof(UniqueReservation))]
[JsonSerializable(typeof(ConsumerLease))]
[JsonSerializable(typeof(FeedCheckpoint))]
internal sealed partial class CosmosJsonContext : JsonSerializerContext;
