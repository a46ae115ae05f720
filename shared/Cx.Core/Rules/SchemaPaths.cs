using Cx.Core.Content;

namespace Cx.Core.Rules;

/// <summary>How rule values of a field are compared.</summary>
public enum FactKind : byte
{
    Missing,
    Text,
    Number,
    Boolean,

    /// <summary>An instant, held as Unix milliseconds.</summary>
    Instant,

    /// <summary>An object or array: only <c>exists</c> applies.</summary>
    Structure,

    /// <summary>Several values (a path through a repeatable component or a to-many relation).</summary>
    Many,
}

/// <summary>A field path resolved against a content schema: its definition, value kind and whether it has many values.</summary>
public sealed record ResolvedPath(FieldPath Path, FieldDefinition Definition, FactKind Kind, bool Many);

/// <summary>Resolves dotted paths (<c>preferences.language</c>, <c>interactionHistory.kind</c>) through components.</summary>
public static class SchemaPaths
{
    public static ResolvedPath? Resolve(ContentSchema schema, FieldPath path)
    {
        var segments = path.Segments;
        if (segments.Count == 1 && (segments[0] is "id"))
        {
            return new(path, ContentSchema.IdField, FactKind.Text, false);
        }
        if (segments.Count == 1 && segments[0] is "createdAt" or "updatedAt")
        {
            return new(
                path,
                segments[0] == "createdAt" ? ContentSchema.CreatedAtField : ContentSchema.UpdatedAtField,
                FactKind.Instant,
                false
            );
        }
        IReadOnlyList<FieldDefinition> fields = schema.Type.Fields;
        var many = false;
        for (var i = 0; i < segments.Count; i++)
        {
            var field = fields.FirstOrDefault(f => string.Equals(f.Name, segments[i], StringComparison.Ordinal));
            if (field is null)
            {
                return null;
            }
            var last = i == segments.Count - 1;
            if (field.Type == FieldType.Component)
            {
                many |= field.Repeatable;
                if (last)
                {
                    return new(path, field, FactKind.Structure, many);
                }
                if (field.Component is null || !schema.Components.TryGetValue(field.Component, out var component))
                {
                    return null;
                }
                fields = component.Fields;
                continue;
            }
            if (!last)
            {
                return null;
            }
            many |= field.Type == FieldType.Relation && field.Many;
            return new(path, field, KindOf(field.Type), many);
        }
        return null;
    }

    public static FactKind KindOf(FieldType type) =>
        type switch
        {
            FieldType.String or FieldType.Text or FieldType.Email or FieldType.Enumeration or FieldType.Relation => FactKind.Text,
            FieldType.Integer or FieldType.Number or FieldType.Decimal => FactKind.Number,
            FieldType.Boolean => FactKind.Boolean,
            FieldType.DateTime => FactKind.Instant,
            _ => FactKind.Structure,
        };
}
