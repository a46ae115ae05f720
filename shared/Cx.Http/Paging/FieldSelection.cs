using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Http.Paging;

/// <summary>
/// Sparse fieldsets (<c>fields=email,name,preferences.language</c>): top-level fields and
/// fields of single components. The id is always included.
/// </summary>
public sealed class FieldSelection
{
    private readonly Dictionary<string, HashSet<string>?> _selected = new(StringComparer.Ordinal);

    private FieldSelection() { }

    public static FieldSelection? Parse(IReadOnlyList<string>? fields, ContentSchema schema)
    {
        if (fields is null)
        {
            return null;
        }
        var selection = new FieldSelection();
        selection._selected["id"] = null;
        var errors = new List<FieldError>();
        foreach (var field in fields)
        {
            var parts = field.Split('.');
            var top = parts[0];
            var definition = schema.Type.FindField(top);
            var isMetadata = EntryValidator.MetadataProperties.Contains(top);
            if (parts.Length > 2 || (definition is null && !isMetadata))
            {
                errors.Add(new("fields", "unknown-field", $"'{field}' is not a field of '{schema.Key}'.", ErrorLocation.Query));
                continue;
            }
            if (parts.Length == 1)
            {
                selection._selected[top] = null;
                continue;
            }
            if (
                definition is not { Type: FieldType.Component, Repeatable: false, Component: { } key }
                || !schema.Components.TryGetValue(key, out var component)
                || component.FindField(parts[1]) is null
            )
            {
                errors.Add(
                    new(
                        "fields",
                        "unknown-field",
                        $"'{field}' is not a field of a single component of '{schema.Key}'.",
                        ErrorLocation.Query
                    )
                );
                continue;
            }
            if (!selection._selected.TryGetValue(top, out var nested))
            {
                selection._selected[top] = [parts[1]];
            }
            else
            {
                nested?.Add(parts[1]);
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The fields parameter is not valid.");
        }
        return selection;
    }

    /// <summary>Writes the selected properties of a stored document body.</summary>
    public void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        writer.WriteStartObject();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!_selected.TryGetValue(property.Name, out var nested))
            {
                continue;
            }
            if (nested is null || property.Value.ValueKind != JsonValueKind.Object)
            {
                property.WriteTo(writer);
                continue;
            }
            writer.WriteStartObject(property.Name);
            foreach (var inner in property.Value.EnumerateObject())
            {
                if (nested.Contains(inner.Name))
                {
                    inner.WriteTo(writer);
                }
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}
