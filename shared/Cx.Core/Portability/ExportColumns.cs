using System.Text.Json;
using Cx.Core.Content;

namespace Cx.Core.Portability;

/// <summary>The typed value a tabular export column holds.</summary>
public enum ExportColumnKind
{
    /// <summary>string, text, email, enumeration and single relation fields: text.</summary>
    String,

    /// <summary>integer fields (and <c>schemaVersion</c>): a 64-bit whole number.</summary>
    Integer,

    /// <summary>number fields: a 64-bit float.</summary>
    Number,

    /// <summary>decimal fields: an exact decimal with the field's scale.</summary>
    Decimal,

    Boolean,

    /// <summary>dateTime fields and createdAt/updatedAt: a UTC instant (milliseconds).</summary>
    DateTime,

    /// <summary>json, many-relation, repeatable component and dynamic zone fields: their JSON text.</summary>
    JsonText,
}

/// <summary>One column of a CSV or Parquet export: its header, where its value sits in an entry, its kind.</summary>
public sealed record ExportColumn(string Name, IReadOnlyList<string> Path, ExportColumnKind Kind, int Scale = 0);

/// <summary>
/// The columns of a tabular export, derived from the content type: <c>id</c>, <c>schemaVersion</c>,
/// <c>createdAt</c>, <c>updatedAt</c>, then each field in definition order. A single (not
/// repeatable) component is flattened into one column per sub-field named <c>field.sub</c>
/// (recursively, up to <see cref="MaxDepth"/> levels); every value that is a list or free JSON
/// stays whole as its JSON text in one column. docs/export.md lists the rules.
/// </summary>
public static class ExportColumns
{
    public const int MaxDepth = 4;

    public static IReadOnlyList<ExportColumn> For(ContentSchema schema)
    {
        var columns = new List<ExportColumn>
        {
            new("id", ["id"], ExportColumnKind.String),
            new("schemaVersion", ["schemaVersion"], ExportColumnKind.Integer),
            new("createdAt", ["createdAt"], ExportColumnKind.DateTime),
            new("updatedAt", ["updatedAt"], ExportColumnKind.DateTime),
        };
        foreach (var field in schema.Type.Fields)
        {
            Add(schema, field, [], columns, depth: 1);
        }
        return columns;
    }

    private static void Add(
        ContentSchema schema,
        FieldDefinition field,
        IReadOnlyList<string> prefix,
        List<ExportColumn> columns,
        int depth
    )
    {
        string[] path = [.. prefix, field.Name];
        var name = string.Join('.', path);
        switch (field.Type)
        {
            case FieldType.Component
                when !field.Repeatable
                    && depth < MaxDepth
                    && field.Component is { } key
                    && schema.Components.TryGetValue(key, out var component):
                foreach (var sub in component.Fields)
                {
                    Add(schema, sub, path, columns, depth + 1);
                }
                break;
            case FieldType.String or FieldType.Text or FieldType.Email or FieldType.Enumeration:
                columns.Add(new(name, path, ExportColumnKind.String));
                break;
            case FieldType.Relation:
                columns.Add(new(name, path, field.Many ? ExportColumnKind.JsonText : ExportColumnKind.String));
                break;
            case FieldType.Integer:
                columns.Add(new(name, path, ExportColumnKind.Integer));
                break;
            case FieldType.Number:
                columns.Add(new(name, path, ExportColumnKind.Number));
                break;
            case FieldType.Decimal:
                columns.Add(new(name, path, ExportColumnKind.Decimal, field.Scale ?? 2));
                break;
            case FieldType.Boolean:
                columns.Add(new(name, path, ExportColumnKind.Boolean));
                break;
            case FieldType.DateTime:
                columns.Add(new(name, path, ExportColumnKind.DateTime));
                break;
            default:
                columns.Add(new(name, path, ExportColumnKind.JsonText));
                break;
        }
    }

    /// <summary>The value of <paramref name="column"/> in an entry; false when absent or null.</summary>
    public static bool TryGet(JsonElement entry, ExportColumn column, out JsonElement value)
    {
        value = entry;
        foreach (var segment in column.Path)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                return false;
            }
        }
        return value.ValueKind != JsonValueKind.Null;
    }
}
