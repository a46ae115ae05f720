using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Identity;

/// <summary>
/// Typed records in the identity container (accounts, sessions, refresh tokens, API keys,
/// revocations): JSON bodies with the common envelope, read and written through the document
/// store port with ETags for compare-and-swap updates.
/// </summary>
public sealed class IdentityStore(IDocumentStore store)
{
    private static readonly JsonSerializerOptions Json = new(CxJson.SerializerOptions)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public IDocumentStore Documents => store;

    public async Task<(T Record, string ETag)?> ReadAsync<T>(string partitionKey, string id, CancellationToken cancellationToken)
        where T : class
    {
        var document = await store.ReadAsync(Containers.Identity, new DocumentKey(partitionKey, id), cancellationToken);
        return document is null ? null : (Deserialize<T>(document), document.ETag);
    }

    public async Task<string> CreateAsync<T>(string partitionKey, string id, string type, T record, CancellationToken cancellationToken)
        where T : class => (await store.CreateAsync(Containers.Identity, Write(partitionKey, id, type, record), cancellationToken)).ETag;

    public async Task<string> ReplaceAsync<T>(
        string partitionKey,
        string id,
        string type,
        T record,
        string? ifMatch,
        CancellationToken cancellationToken
    )
        where T : class =>
        (await store.ReplaceAsync(Containers.Identity, Write(partitionKey, id, type, record), ifMatch, cancellationToken)).ETag;

    public async Task<string> UpsertAsync<T>(string partitionKey, string id, string type, T record, CancellationToken cancellationToken)
        where T : class => (await store.UpsertAsync(Containers.Identity, Write(partitionKey, id, type, record), cancellationToken)).ETag;

    public Task DeleteAsync(string partitionKey, string id, CancellationToken cancellationToken) =>
        store.DeleteAsync(Containers.Identity, new DocumentKey(partitionKey, id), null, cancellationToken).AsTask();

    public async Task<(List<(T Record, StoredDocument Document)> Items, Keyset? Next)> QueryAsync<T>(
        DocumentQuery query,
        CancellationToken cancellationToken
    )
        where T : class
    {
        var page = await store.QueryAsync(Containers.Identity, query, cancellationToken);
        return ([.. page.Items.Select(d => (Deserialize<T>(d), d))], page.Next);
    }

    public static T Deserialize<T>(StoredDocument document)
        where T : class => JsonSerializer.Deserialize<T>(document.Json.Span, Json)!;

    public static JsonElement ToJson<T>(T record) => JsonSerializer.SerializeToElement(record, Json);

    private static DocumentWrite Write<T>(string partitionKey, string id, string type, T record)
    {
        var body = JsonSerializer.SerializeToNode(record, Json)!.AsObject();
        body["id"] = id;
        body["type"] = type;
        return new DocumentWrite(id, partitionKey, type, JsonSerializer.SerializeToUtf8Bytes(body, Json));
    }

    /// <summary>Lower-case hex SHA-256 of a secret or identifier (secrets are stored only as hashes).</summary>
    public static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>A URL-safe random secret of 32 bytes.</summary>
    public static string NewSecret() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Compares two hashes in constant time.</summary>
    public static bool SameHash(string left, string right) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(left), Encoding.ASCII.GetBytes(right));

    /// <summary>The partition of a subject's sessions and revocations (kind-qualified so ids of different kinds never collide).</summary>
    public static string SubjectPartition(ActorKind kind, string subject) => $"sub:{kind.ToString().ToLowerInvariant()}:{subject}";
}
