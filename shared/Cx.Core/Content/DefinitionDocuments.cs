using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Content;

/// <summary>A definition and the stored document it came from (for ETags and metadata).</summary>
public sealed record DefinitionRecord<T>(T Definition, StoredDocument Document)
    where T : class;

/// <summary>
/// The document form of definitions: the definition's own JSON plus the envelope every
/// document has (<c>id</c>, <c>type</c>, <c>schemaVersion</c>, <c>createdAt</c>, <c>updatedAt</c>).
/// </summary>
public static class DefinitionDocuments
{
    public const int SchemaVersion = 1;

    /// <summary>Properties the server owns; clients may echo them back, they are ignored.</summary>
    private static readonly string[] ServerProperties =
    [
        "id",
        "type",
        "schemaVersion",
        "createdAt",
        "updatedAt",
        "version",
        "builtIn",
        "systemWritten",
        "readPermission",
    ];

    public static byte[] ToJson<T>(T definition, string id, string documentType, string createdAt, string updatedAt)
        where T : class
    {
        var body = JsonSerializer.SerializeToNode(definition, DefinitionJson.Options)!.AsObject();
        var document = new JsonObject
        {
            ["id"] = id,
            ["type"] = documentType,
            ["schemaVersion"] = SchemaVersion,
            ["createdAt"] = createdAt,
            ["updatedAt"] = updatedAt,
        };
        foreach (var property in body.ToList())
        {
            body.Remove(property.Key);
            document[property.Key] = property.Value;
        }
        return JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions);
    }

    public static T FromDocument<T>(StoredDocument document)
        where T : class
    {
        var node = JsonNode.Parse(document.Json.Span)!.AsObject();
        foreach (var name in (string[])["id", "type", "schemaVersion", "createdAt", "updatedAt"])
        {
            node.Remove(name);
        }
        return node.Deserialize<T>(DefinitionJson.Options)!;
    }

    /// <summary>Reads a definition sent by a client; server-owned properties are dropped first.</summary>
    public static T FromRequest<T>(JsonObject body)
        where T : class
    {
        foreach (var name in ServerProperties)
        {
            body.Remove(name);
        }
        using var document = JsonDocument.Parse(body.ToJsonString());
        return DefinitionJson.Deserialize<T>(document.RootElement);
    }

    public static string CreatedAt(StoredDocument document)
    {
        using var parsed = JsonDocument.Parse(document.Json);
        return parsed.RootElement.TryGetProperty("createdAt", out var value) ? value.GetString() ?? "" : "";
    }

    internal static FieldError KeyMismatch(string routeKey) =>
        new("/key", "key-mismatch", $"The key in the body must equal the key in the URL ('{routeKey}').");
}
