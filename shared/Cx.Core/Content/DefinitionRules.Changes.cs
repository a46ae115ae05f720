using Cx.Core.Common;

namespace Cx.Core.Content;

/// <summary>What a change to a content type or component may do: keys, kinds and storage fixed, a field keeps its type, new required fields need defaults.</summary>
public static partial class DefinitionRules
{
    /// <summary>
    /// Checks a change to an existing type: key, kind and storage are fixed; a field keeps its
    /// type; a field that becomes required needs a default (so existing clients keep working);
    /// uniqueness cannot be added to a field that may already hold duplicates; built-in fields stay,
    /// and a built-in field tagged as personal data stays tagged.
    /// </summary>
    public static void ValidateContentTypeChange(ContentType before, ContentType after)
    {
        var errors = new List<FieldError>();
        if (before.Kind != after.Kind)
        {
            errors.Add(new("/kind", "immutable", "The kind of a content type cannot change."));
        }
        if (before.Storage != after.Storage)
        {
            errors.Add(new("/storage", "immutable", "The storage of a content type cannot change."));
        }
        ValidateFieldChanges(before.Fields, after.Fields, before.BuiltIn, errors);
        ThrowIfAny(errors, $"This change to '{before.Key}' would break stored entries or clients.");
    }

    public static void ValidateComponentChange(ComponentDefinition before, ComponentDefinition after)
    {
        var errors = new List<FieldError>();
        ValidateFieldChanges(before.Fields, after.Fields, before.BuiltIn, errors);
        ThrowIfAny(errors, $"This change to component '{before.Key}' would break stored entries or clients.");
    }

    private static void ValidateFieldChanges(
        IReadOnlyList<FieldDefinition> before,
        IReadOnlyList<FieldDefinition> after,
        bool builtIn,
        List<FieldError> errors
    )
    {
        var byName = after.Select((f, i) => (f, i)).ToDictionary(x => x.f.Name, StringComparer.Ordinal);
        foreach (var old in before)
        {
            if (!byName.TryGetValue(old.Name, out var pair))
            {
                if (builtIn)
                {
                    errors.Add(new("/fields", "built-in", $"The built-in field '{old.Name}' cannot be removed."));
                }
                continue;
            }
            var (field, index) = pair;
            var pointer = $"/fields/{index}";
            if (field.Type != old.Type || field.Repeatable != old.Repeatable || field.Many != old.Many)
            {
                errors.Add(new(pointer + "/type", "type-change", $"'{old.Name}' cannot change its type; add a new field instead."));
            }
            if (field.Component != old.Component || field.Target != old.Target)
            {
                errors.Add(new(pointer, "type-change", $"'{old.Name}' cannot point to another component or target."));
            }
            if (field.Unique && !old.Unique)
            {
                errors.Add(
                    new(pointer + "/unique", "unique-added", $"'{old.Name}' may already hold duplicates; add a new unique field instead.")
                );
            }
            if (field.Required && !old.Required && field.Default is null)
            {
                errors.Add(new(pointer + "/default", "default-required", $"'{old.Name}' becomes required, so it needs a default."));
            }
            if (builtIn && (field.SystemManaged != old.SystemManaged || field.Unique != old.Unique))
            {
                errors.Add(new(pointer, "built-in", $"The built-in field '{old.Name}' keeps its uniqueness and ownership."));
            }
            if (builtIn && old.Personal is not null && field.Personal is null)
            {
                errors.Add(
                    new(
                        pointer + "/personal",
                        "built-in",
                        $"The built-in field '{old.Name}' holds personal data; it keeps its personal tag (the category may change)."
                    )
                );
            }
        }
        var known = before.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < after.Count; i++)
        {
            var field = after[i];
            if (!known.Contains(field.Name) && field.Required && field.Default is null)
            {
                errors.Add(
                    new(
                        $"/fields/{i}/default",
                        "default-required",
                        $"The new required field '{field.Name}' needs a default, or stored entries and existing clients would break."
                    )
                );
            }
        }
    }
}
