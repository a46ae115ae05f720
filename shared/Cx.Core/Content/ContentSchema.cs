using System.Collections.Frozen;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Content;

/// <summary>A filterable, sortable field of a content type and its definition.</summary>
public sealed record IndexedField(FieldPath Path, FieldDefinition Definition);

/// <summary>
/// A content type with its components resolved: everything needed to validate, store and
/// query entries. Built once per definition version and cached by the registry.
/// </summary>
public sealed class ContentSchema
{
    /// <summary>System fields every entry has and every query can filter and sort on.</summary>
    public static readonly FieldDefinition CreatedAtField = new() { Name = "createdAt", Type = FieldType.DateTime };

    public static readonly FieldDefinition UpdatedAtField = new() { Name = "updatedAt", Type = FieldType.DateTime };

    public static readonly FieldDefinition IdField = new() { Name = "id", Type = FieldType.String };

    private string? _versionFingerprint;

    /// <summary>
    /// The versions of the type and of its components (<c>3:address=2,preferences=1</c>): what a
    /// rule compiled against this schema depends on.
    /// </summary>
    public string VersionFingerprint =>
        _versionFingerprint ??=
            Type.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ":"
            + string.Join(",", Components.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value.Version));

    public ContentSchema(ContentType type, IReadOnlyDictionary<string, ComponentDefinition> components)
    {
        Type = type;
        Components = components.ToFrozenDictionary(StringComparer.Ordinal);
        var indexed = new Dictionary<string, IndexedField>(StringComparer.Ordinal)
        {
            ["id"] = new(FieldPath.Parse("id"), IdField),
            ["createdAt"] = new(FieldPath.Parse("createdAt"), CreatedAtField),
            ["updatedAt"] = new(FieldPath.Parse("updatedAt"), UpdatedAtField),
        };
        foreach (var field in type.Fields)
        {
            if (field.Indexed)
            {
                indexed[field.Name] = new(FieldPath.Parse(field.Name), field);
            }
            else if (
                field is { Type: FieldType.Component, Repeatable: false, Component: { } key }
                && Components.TryGetValue(key, out var component)
            )
            {
                foreach (var sub in component.Fields)
                {
                    if (sub.Indexed && DefinitionRules.IsScalar(sub.Type))
                    {
                        var path = field.Name + "." + sub.Name;
                        indexed[path] = new(FieldPath.Parse(path), sub);
                    }
                }
            }
        }
        Indexed = indexed.ToFrozenDictionary(StringComparer.Ordinal);
        IndexedPaths = [.. Indexed.Values.Where(f => f.Path.Value != "id").Select(f => f.Path)];
        UniqueFields = [.. type.Fields.Where(f => f.Unique)];
    }

    public ContentType Type { get; }

    public string Key => Type.Key;

    public string Container => Type.Storage.Container;

    public IReadOnlyDictionary<string, ComponentDefinition> Components { get; }

    /// <summary>Fields that list queries may filter and sort on, by dotted path.</summary>
    public IReadOnlyDictionary<string, IndexedField> Indexed { get; }

    /// <summary>Paths the store indexes (all of <see cref="Indexed"/> but the id, which is a key).</summary>
    public IReadOnlyList<FieldPath> IndexedPaths { get; }

    public IReadOnlyList<FieldDefinition> UniqueFields { get; }

    public string PartitionKeyFor(string id) => Type.Storage.PartitionBy == PartitionStrategy.Id ? id : Type.Key;

    public DocumentKey KeyFor(string id) => new(PartitionKeyFor(id), id);
}
