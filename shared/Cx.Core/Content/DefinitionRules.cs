using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Content;

/// <summary>
/// The rules a content type or component definition must satisfy, and the rules for
/// changing one without breaking stored entries or existing clients.
/// </summary>
public static partial class DefinitionRules
{
    public const int MaxFields = 200;

    public const int MaxComponentDepth = 4;

    public const int MaxRepeatableItems = 1000;

    public const int MaxEnumerationValues = 500;

    /// <summary>Field names the entry envelope uses.</summary>
    public static readonly IReadOnlySet<string> ReservedFieldNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "id",
        "type",
        "schemaVersion",
        "createdAt",
        "updatedAt",
        "pk",
        "ttl",
        "etag",
    };

    public static bool IsKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 64 || !char.IsAsciiLetterLower(key[0]) || key[^1] == '-')
        {
            return false;
        }
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsScalar(FieldType type) =>
        type
            is FieldType.String
                or FieldType.Email
                or FieldType.Integer
                or FieldType.Number
                or FieldType.Decimal
                or FieldType.Boolean
                or FieldType.DateTime
                or FieldType.Enumeration;

    /// <summary>Lookups the rules need: components and content types that already exist.</summary>
    public interface IDefinitionLookup
    {
        ComponentDefinition? FindComponent(string key);

        bool ContentTypeExists(string key);
    }

    public static void ValidateContentType(ContentType type, IDefinitionLookup lookup)
    {
        var errors = new List<FieldError>();
        if (!IsKey(type.Key))
        {
            errors.Add(new("/key", "key", "Must be 1-64 lower-case letters, digits or '-', starting with a letter."));
        }
        ValidateDisplay(type.DisplayName, type.Description, errors);
        var storage = type.Storage;
        if (
            !(storage.Container == Containers.Content && storage.PartitionBy == PartitionStrategy.Type)
            && !(storage.Container == Containers.Customers && storage.PartitionBy == PartitionStrategy.Id)
        )
        {
            errors.Add(new("/storage", "storage", "Storage must be {content, type} or {customers, id}."));
        }
        if (type.Kind == ContentKind.Single && storage.Container != Containers.Content)
        {
            errors.Add(new("/storage", "storage", "A single type is stored in the content container."));
        }
        ValidateFields(type.Fields, "/fields", isTopLevel: true, type.Key, lookup, errors);
        ThrowIfAny(errors, $"The content type '{type.Key}' is not valid.");
    }

    public static void ValidateComponent(ComponentDefinition component, IDefinitionLookup lookup)
    {
        var errors = new List<FieldError>();
        if (!IsKey(component.Key))
        {
            errors.Add(new("/key", "key", "Must be 1-64 lower-case letters, digits or '-', starting with a letter."));
        }
        ValidateDisplay(component.DisplayName, component.Description, errors);
        ValidateFields(component.Fields, "/fields", isTopLevel: false, null, lookup, errors);
        if (errors.Count == 0 && FindCycle(component, lookup) is { } cycle)
        {
            errors.Add(new("/fields", "cycle", $"Components may not contain themselves: {cycle}."));
        }
        ThrowIfAny(errors, $"The component '{component.Key}' is not valid.");
    }

    private static void ValidateDisplay(string? displayName, string? description, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > 100)
        {
            errors.Add(new("/displayName", "required", "A display name of 1-100 characters is required."));
        }
        if (description is { Length: > 1000 })
        {
            errors.Add(new("/description", "max-length", "Must be at most 1000 characters."));
        }
    }

    private static void ValidateFields(
        IReadOnlyList<FieldDefinition> fields,
        string pointer,
        bool isTopLevel,
        string? ownerType,
        IDefinitionLookup lookup,
        List<FieldError> errors
    )
    {
        if (fields.Count > MaxFields)
        {
            errors.Add(new(pointer, "max-items", $"At most {MaxFields} fields."));
            return;
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var at = $"{pointer}/{i}";
            if (!FieldPath.IsIdentifier(field.Name))
            {
                errors.Add(new(at + "/name", "name", "Must be a letter followed by up to 63 letters, digits or '_'."));
                continue;
            }
            if (ReservedFieldNames.Contains(field.Name))
            {
                errors.Add(new(at + "/name", "reserved", $"'{field.Name}' is reserved for entry metadata."));
            }
            if (!names.Add(field.Name))
            {
                errors.Add(new(at + "/name", "duplicate", $"'{field.Name}' is defined twice (names are case-insensitive)."));
            }
            ValidateField(field, at, isTopLevel, ownerType, lookup, errors);
        }
    }

    private static void ValidateField(
        FieldDefinition field,
        string at,
        bool isTopLevel,
        string? ownerType,
        IDefinitionLookup lookup,
        List<FieldError> errors
    )
    {
        var type = field.Type;
        var isText = type is FieldType.String or FieldType.Text or FieldType.Email;
        var isNumeric = type is FieldType.Integer or FieldType.Number or FieldType.Decimal;
        var isList =
            (type == FieldType.Component && field.Repeatable)
            || type == FieldType.DynamicZone
            || (type == FieldType.Relation && field.Many);

        Only(field.MinLength is not null || field.MaxLength is not null, isText, "minLength/maxLength", "string, text and email");
        Only(field.Pattern is not null, isText, "pattern", "string, text and email");
        Only(field.Min is not null || field.Max is not null, isNumeric, "min/max", "integer, number and decimal");
        Only(field.Scale is not null, type == FieldType.Decimal, "scale", "decimal");
        Only(!field.Values.IsEmpty, type == FieldType.Enumeration, "values", "enumeration");
        Only(field.Component is not null, type == FieldType.Component, "component", "component");
        Only(field.Repeatable, type == FieldType.Component, "repeatable", "component");
        Only(!field.Components.IsEmpty, type == FieldType.DynamicZone, "components", "dynamicZone");
        Only(field.Target is not null || field.Many, type == FieldType.Relation, "target/many", "relation");
        Only(
            field.MinItems is not null || field.MaxItems is not null,
            isList,
            "minItems/maxItems",
            "repeatable components, dynamic zones and to-many relations"
        );
        Only(field.Overflow != OverflowPolicy.Reject, isList, "overflow", "repeatable components and dynamic zones");
        Only(
            field.Unique,
            isTopLevel && IsScalar(type) && type != FieldType.Boolean,
            "unique",
            "top-level scalar fields (not boolean) of a content type"
        );
        Only(field.Indexed, IsScalar(type) || (type == FieldType.Relation && !field.Many), "indexed", "scalar fields and to-one relations");
        Only(field.SystemManaged, isTopLevel, "systemManaged", "top-level fields of a content type");

        if (field.SystemManaged && field.Required)
        {
            errors.Add(new(at + "/required", "conflict", "A system-managed field cannot be required from clients."));
        }
        if (field.MinLength is < 0 || field.MaxLength is < 1 || field.MinLength > field.MaxLength)
        {
            errors.Add(new(at + "/maxLength", "range", "Need 0 <= minLength <= maxLength and maxLength >= 1."));
        }
        if (field.MaxLength > (type == FieldType.Text ? 1_000_000 : 4096))
        {
            errors.Add(
                new(
                    at + "/maxLength",
                    "range",
                    type == FieldType.Text
                        ? "maxLength is at most 1,000,000."
                        : "maxLength is at most 4096; use a text field for long values."
                )
            );
        }
        if (field.Min > field.Max)
        {
            errors.Add(new(at + "/min", "range", "min must not exceed max."));
        }
        if (field.Scale is < 0 or > 10)
        {
            errors.Add(new(at + "/scale", "range", "scale is between 0 and 10."));
        }
        if (field.MinItems is < 0 || field.MaxItems is < 1 || field.MinItems > field.MaxItems || field.MaxItems > MaxRepeatableItems)
        {
            errors.Add(new(at + "/maxItems", "range", $"Need 0 <= minItems <= maxItems <= {MaxRepeatableItems}."));
        }
        if (isList && field.MaxItems is null)
        {
            errors.Add(new(at + "/maxItems", "required", "Lists are bounded: set maxItems so documents cannot grow without limit."));
        }
        if (field.Overflow == OverflowPolicy.DropOldest && field.MaxItems is null)
        {
            errors.Add(new(at + "/overflow", "required", "dropOldest needs maxItems."));
        }
        if (field.Pattern is { } pattern)
        {
            if (pattern.Length > 500)
            {
                errors.Add(new(at + "/pattern", "max-length", "A pattern is at most 500 characters."));
            }
            else
            {
                try
                {
                    _ = EntryValidator.GetPattern(pattern);
                }
                catch (ArgumentException ex)
                {
                    errors.Add(new(at + "/pattern", "pattern", "Not a valid regular expression: " + ex.Message));
                }
            }
        }
        switch (type)
        {
            case FieldType.Enumeration:
                if (field.Values.IsEmpty || field.Values.Count > MaxEnumerationValues)
                {
                    errors.Add(new(at + "/values", "required", $"An enumeration needs 1 to {MaxEnumerationValues} values."));
                }
                else if (
                    field.Values.Any(v => string.IsNullOrEmpty(v) || v.Length > 100)
                    || field.Values.Distinct(StringComparer.Ordinal).Count() != field.Values.Count
                )
                {
                    errors.Add(new(at + "/values", "values", "Enumeration values are distinct strings of 1-100 characters."));
                }
                break;
            case FieldType.Component:
                if (field.Component is null)
                {
                    errors.Add(new(at + "/component", "required", "A component field names its component."));
                }
                else if (lookup.FindComponent(field.Component) is null)
                {
                    errors.Add(new(at + "/component", "unknown-component", $"Component '{field.Component}' does not exist."));
                }
                break;
            case FieldType.DynamicZone:
                if (field.Components.IsEmpty)
                {
                    errors.Add(new(at + "/components", "required", "A dynamic zone lists the components it accepts."));
                }
                foreach (var key in field.Components)
                {
                    if (lookup.FindComponent(key) is null)
                    {
                        errors.Add(new(at + "/components", "unknown-component", $"Component '{key}' does not exist."));
                    }
                }
                break;
            case FieldType.Relation:
                if (field.Target is null)
                {
                    errors.Add(new(at + "/target", "required", "A relation names its target content type."));
                }
                else if (field.Target != ownerType && !lookup.ContentTypeExists(field.Target))
                {
                    errors.Add(new(at + "/target", "unknown-type", $"Content type '{field.Target}' does not exist."));
                }
                break;
        }
        if (field.Default is { } defaultValue && errors.Count == 0)
        {
            if (type is FieldType.Component or FieldType.DynamicZone or FieldType.Relation)
            {
                errors.Add(new(at + "/default", "default", "Defaults are for scalar and json fields."));
            }
            else
            {
                var defaultErrors = new List<FieldError>();
                EntryValidator.ValidateValue(null, field, JsonNode.Parse(defaultValue.Json), at + "/default", defaultErrors);
                errors.AddRange(defaultErrors);
            }
        }

        void Only(bool present, bool allowed, string property, string types)
        {
            if (present && !allowed)
            {
                errors.Add(new(at, "not-applicable", $"'{property}' applies only to {types}."));
            }
        }
    }

    private static string? FindCycle(ComponentDefinition root, IDefinitionLookup lookup)
    {
        var path = new Stack<string>();
        return Visit(root);

        string? Visit(ComponentDefinition component)
        {
            if (path.Contains(component.Key))
            {
                return string.Join(" -> ", path.Reverse().Append(component.Key));
            }
            if (path.Count >= MaxComponentDepth)
            {
                return string.Join(" -> ", path.Reverse()) + " (too deep)";
            }
            path.Push(component.Key);
            foreach (var field in component.Fields)
            {
                IEnumerable<string> keys = field.Type switch
                {
                    FieldType.Component when field.Component is not null => [field.Component],
                    FieldType.DynamicZone => field.Components,
                    _ => [],
                };
                foreach (var key in keys)
                {
                    var child = key == root.Key ? root : lookup.FindComponent(key);
                    if (child is not null && Visit(child) is { } found)
                    {
                        return found;
                    }
                }
            }
            path.Pop();
            return null;
        }
    }

    private static void ThrowIfAny(List<FieldError> errors, string message)
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, message);
        }
    }
}
