using System.Buffers;
using System.Text.Json;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Azure.Cosmos;

/// <summary>
/// An item as Cosmos DB stores it: the product's JSON plus <c>pk</c>, the adapter's internal
/// properties and the service's system properties.
/// </summary>
public sealed record CosmosItem(JsonElement Element, string Id, string PartitionKey, string Type, string RawETag)
{
    /// <summary>The ETag as the port exposes it (Cosmos quotes its <c>_etag</c>; the port does not).</summary>
    public string ETag => CosmosItems.Unquote(RawETag);

    /// <summary>A tombstone: a deleted document kept until the change feed has shown the delete.</summary>
    public bool Deleted => Element.TryGetProperty(CosmosItems.DeletedProperty, out var deleted) && deleted.ValueKind == JsonValueKind.True;

    /// <summary>The ids of the unique-value reservations this document holds.</summary>
    public IReadOnlyList<string> UniqueIds =>
        Element.TryGetProperty(CosmosItems.UniquesProperty, out var uniques) && uniques.ValueKind == JsonValueKind.Array
            ? [.. uniques.EnumerateArray().Where(u => u.ValueKind == JsonValueKind.String).Select(u => u.GetString()!)]
            : [];

    /// <summary>The document as the product wrote it.</summary>
    public StoredDocument ToStoredDocument() => new(Id, PartitionKey, Type, ETag, CosmosItems.ProductJson(Element));
}

/// <summary>
/// Encodes product documents as Cosmos items and back. <see cref="StoredDocument.Json"/> must be
/// exactly what the product wrote, so on the way in the adapter adds only <c>pk</c> and
/// underscore-prefixed internal properties (and <c>id</c>/<c>type</c> when the body lacks them,
/// remembered in <c>_cxAdded</c>), and on the way out it removes <c>pk</c>, <c>ttl</c> and every
/// top-level property that starts with an underscore (Cosmos's <c>_rid</c>, <c>_self</c>,
/// <c>_etag</c>, <c>_attachments</c>, <c>_ts</c>, <c>_lsn</c> and the adapter's own). Product bodies
/// may therefore not use those names at the top level; the content model reserves them.
/// </summary>
public static class CosmosItems
{
    public const string DeletedProperty = "_deleted";
    public const string UniquesProperty = "_uniques";
    public const string AddedProperty = "_cxAdded";

    /// <summary>The stored item for a write: the body, then <c>pk</c> and the reservations the document holds.</summary>
    public static byte[] Encode(DocumentWrite document, IReadOnlyCollection<string> uniqueIds)
    {
        CheckId(document.Id);
        using var body = Parse(document.Json);
        var buffer = new ArrayBufferWriter<byte>(document.Json.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            bool hasId = false,
                hasType = false;
            foreach (var property in body.RootElement.EnumerateObject())
            {
                var name = property.Name;
                if (IsReserved(name))
                {
                    throw new ArgumentException(
                        $"The top-level property '{name}' is reserved by the Cosmos DB store (pk, ttl and names starting with '_').",
                        nameof(document)
                    );
                }
                if (name == "id")
                {
                    hasId = true;
                    RequireString(property.Value, document.Id, "id");
                }
                else if (name == "type")
                {
                    hasType = true;
                    RequireString(property.Value, document.Type, "type");
                }
                property.WriteTo(writer);
            }
            if (!hasId)
            {
                writer.WriteString("id", document.Id);
            }
            if (!hasType)
            {
                writer.WriteString("type", document.Type);
            }
            writer.WriteString("pk", document.PartitionKey);
            if (uniqueIds.Count > 0)
            {
                writer.WriteStartArray(UniquesProperty);
                foreach (var id in uniqueIds)
                {
                    writer.WriteStringValue(id);
                }
                writer.WriteEndArray();
            }
            if (!hasId || !hasType)
            {
                writer.WriteStartArray(AddedProperty);
                if (!hasId)
                {
                    writer.WriteStringValue("id");
                }
                if (!hasType)
                {
                    writer.WriteStringValue("type");
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The tombstone that replaces a deleted document: enough to report the delete on the change
    /// feed (id, pk, type), marked deleted, expiring after <paramref name="ttlSeconds"/>.
    /// </summary>
    public static byte[] Tombstone(DocumentKey key, string type, int ttlSeconds)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", key.Id);
            writer.WriteString("type", type);
            writer.WriteString("pk", key.PartitionKey);
            writer.WriteBoolean(DeletedProperty, true);
            writer.WriteNumber("ttl", ttlSeconds);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an item returned by Cosmos DB (point read, query or change feed).</summary>
    public static CosmosItem Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("Cosmos DB returned an item that is not a JSON object.");
        }
        return new CosmosItem(
            element,
            StringProperty(element, "id") ?? throw new InvalidOperationException("Cosmos DB returned an item without an id."),
            StringProperty(element, "pk") ?? "",
            StringProperty(element, "type") ?? "",
            StringProperty(element, "_etag") ?? ""
        );
    }

    /// <summary>The top-level properties the product wrote, without the store's.</summary>
    public static byte[] ProductJson(JsonElement item)
    {
        string[] added =
            item.TryGetProperty(AddedProperty, out var list) && list.ValueKind == JsonValueKind.Array
                ? [.. list.EnumerateArray().Select(a => a.GetString() ?? "")]
                : [];
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in item.EnumerateObject())
            {
                if (!IsReserved(property.Name) && !added.Contains(property.Name, StringComparer.Ordinal))
                {
                    property.WriteTo(writer);
                }
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value of a field for a keyset; missing values, objects and arrays read as null.</summary>
    public static ScalarValue SortValue(JsonElement item, FieldPath path)
    {
        var current = item;
        foreach (var segment in path.Segments)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return ScalarValue.Null;
            }
        }
        return ScalarValue.TryFrom(current, out var value) ? value : ScalarValue.Null;
    }

    public static string Unquote(string etag) => etag.Length >= 2 && etag[0] == '"' && etag[^1] == '"' ? etag[1..^1] : etag;

    /// <summary>Cosmos DB ids may not contain '/', '\', '?' or '#' and are at most 255 characters.</summary>
    public static void CheckId(string id)
    {
        if (id.Length is 0 or > 255 || id.AsSpan().IndexOfAny(['/', '\\', '?', '#']) >= 0)
        {
            throw new ArgumentException($"'{id}' is not a valid Cosmos DB id (1-255 characters, no '/', '\\', '?' or '#').", nameof(id));
        }
    }

    private static bool IsReserved(string name) => name is "pk" or "ttl" || name.StartsWith('_');

    private static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("The document body is not valid JSON.", nameof(json), e);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ArgumentException("The document body must be a JSON object.", nameof(json));
        }
        return document;
    }

    private static void RequireString(JsonElement value, string expected, string name)
    {
        if (value.ValueKind != JsonValueKind.String || !string.Equals(value.GetString(), expected, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The body's '{name}' must equal the document's {name} '{expected}'.", name);
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
