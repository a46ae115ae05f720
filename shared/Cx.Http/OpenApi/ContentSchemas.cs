using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Content;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// Schemas generated from the current content types and components, so the document shows
/// a field the moment a marketer adds it. Per type: <c>&lt;Type&gt;Entry</c> (what reads and
/// writes return), <c>&lt;Type&gt;Input</c> (create/replace body: no system-managed fields,
/// nothing unknown), <c>&lt;Type&gt;Patch</c> (merge patch: everything optional, null removes)
/// and, when an operation filters on the type, <c>&lt;Type&gt;Filter</c>. Per component:
/// <c>&lt;Key&gt;Component</c>, <c>&lt;Key&gt;ComponentInput</c>, <c>&lt;Key&gt;ComponentPatch</c>, each
/// added when an entry schema uses it.
/// </summary>
internal sealed class ContentSchemas
{
    /// <summary>The largest integer every store keeps exactly (2^53 - 1).</summary>
    private const long MaxSafeInteger = 9_007_199_254_740_991;

    private const int MaxEmailLength = 254;

    private readonly SchemaContext _context;
    private readonly IReadOnlyDictionary<string, ComponentDefinition> _components;
    private readonly Dictionary<string, (string Output, string Input, string Patch)> _componentNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _added = new(StringComparer.Ordinal);

    private ContentSchemas(SchemaContext context, IReadOnlyDictionary<string, ComponentDefinition> components)
    {
        _context = context;
        _components = components;
    }

    private enum Variant
    {
        Output,
        Input,
        Patch,
    }

    /// <summary>Adds every type's and component's schemas; returns the names chosen per type key.</summary>
    public static IReadOnlyDictionary<string, (string Entry, string Input, string Patch)> Register(
        SchemaContext context,
        IReadOnlyList<ContentType> types,
        IReadOnlyList<ComponentDefinition> components
    )
    {
        var generator = new ContentSchemas(context, components.ToDictionary(c => c.Key, StringComparer.Ordinal));
        foreach (var component in components.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var pascal = PascalCase(component.Key);
            generator._componentNames[component.Key] = (
                context.ReserveName(pascal + "Component"),
                context.ReserveName(pascal + "ComponentInput"),
                context.ReserveName(pascal + "ComponentPatch")
            );
        }
        var names = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);
        foreach (var type in types.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var pascal = PascalCase(type.Key);
            var entry = context.ReserveName(pascal + "Entry");
            var input = context.ReserveName(pascal + "Input");
            var patch = context.ReserveName(pascal + "Patch");
            var filter = context.ReserveName(pascal + "Filter");
            var schema = new ContentSchema(type, generator._components);
            context.RegisterContentSchema(type.Key, ContentSchemaRole.Entry, entry, () => generator.EntrySchema(type));
            context.RegisterContentSchema(type.Key, ContentSchemaRole.Input, input, () => generator.InputSchema(type, Variant.Input));
            context.RegisterContentSchema(type.Key, ContentSchemaRole.Patch, patch, () => generator.InputSchema(type, Variant.Patch));
            context.RegisterContentSchema(type.Key, ContentSchemaRole.Filter, filter, () => FilterSchema(context, schema));
            names[type.Key] = (entry, input, patch);
        }
        foreach (var type in types)
        {
            // Every type's entry, input and patch schemas are part of the document, referenced or not;
            // component schemas are added as those use them.
            context.ContentSchemaName(type.Key, ContentSchemaRole.Entry);
            context.ContentSchemaName(type.Key, ContentSchemaRole.Input);
            context.ContentSchemaName(type.Key, ContentSchemaRole.Patch);
        }
        return names;
    }

    /// <summary><c>customer</c> → <c>Customer</c>, <c>site-settings</c> → <c>SiteSettings</c>.</summary>
    public static string PascalCase(string key)
    {
        var builder = new StringBuilder(key.Length);
        foreach (var part in key.Split('-', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        }
        return builder.Length == 0 ? "Type" : builder.ToString();
    }

    private OpenApiSchema EntrySchema(ContentType type)
    {
        var properties = CommonSchemas.SystemProperties(type.Key);
        foreach (var field in type.Fields)
        {
            properties[field.Name] = FieldSchema(field, Variant.Output);
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Title = type.DisplayName,
            Description = Join(
                type.Description,
                $"An entry of the {type.Kind.ToString().ToLowerInvariant()} type '{type.Key}' (definition version {type.Version}).",
                "Entries keep the values they were validated with when written: one written before a field was added lacks it, "
                    + "and a field removed since may still be present. A read with 'fields' returns 'id' and the selected fields only."
            ),
            Properties = properties,
            Required = new SortedSet<string>(StringComparer.Ordinal) { "id" },
        };
    }

    private OpenApiSchema InputSchema(ContentType type, Variant variant)
    {
        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["id"] =
                type.Kind == ContentKind.Single
                    ? SchemaBuilder.Enumeration([type.Key], "Optional; the one entry of a single type has the type key as its id.")
                    : SchemaBuilder.Id(
                        "Optional. On create, the id to use (one is generated otherwise); on replace or patch, it must equal the id in the URL."
                    ),
        };
        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var field in type.Fields.Where(f => !f.SystemManaged))
        {
            properties[field.Name] = FieldSchema(field, variant);
            if (variant == Variant.Input && field is { Required: true, Default: null })
            {
                required.Add(field.Name);
            }
        }
        var managed = type.Fields.Where(f => f.SystemManaged).Select(f => f.Name).ToList();
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Title = type.DisplayName + (variant == Variant.Patch ? " patch" : " input"),
            Description = Join(
                variant == Variant.Patch
                    ? $"A JSON Merge Patch (RFC 7396) of a '{type.Key}' entry: objects merge, null removes a field, anything else replaces it; the result is validated like a replace."
                    : $"The fields of a '{type.Key}' entry, for create and replace. Omitted fields take their default.",
                managed.Count > 0 ? $"Managed by Cx, not writable: {string.Join(", ", managed)}." : null,
                "System fields (type, schemaVersion, createdAt, updatedAt) sent back unchanged are ignored."
            ),
            Properties = properties,
            Required = required.Count > 0 ? required : null,
            AdditionalPropertiesAllowed = false,
        };
    }

    private OpenApiSchema ComponentSchema(ComponentDefinition component, Variant variant)
    {
        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["__component"] = SchemaBuilder.Enumeration([component.Key], "The component key; required on dynamic-zone items."),
        };
        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var field in component.Fields)
        {
            properties[field.Name] = FieldSchema(field, variant);
            if (variant == Variant.Input && field is { Required: true, Default: null })
            {
                required.Add(field.Name);
            }
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Title = component.DisplayName,
            Description = Join(
                component.Description,
                variant switch
                {
                    Variant.Output => $"The component '{component.Key}' (definition version {component.Version}).",
                    Variant.Input => $"The component '{component.Key}' as a request sends it.",
                    _ => $"A merge patch of the component '{component.Key}': null removes a field.",
                }
            ),
            Properties = properties,
            Required = required.Count > 0 ? required : null,
            // Stored components may carry fields removed from the definition since; requests may not.
            AdditionalPropertiesAllowed = variant == Variant.Output,
        };
    }

    private static OpenApiSchema FilterSchema(SchemaContext context, ContentSchema schema)
    {
        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var (path, indexed) in schema.Indexed.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var reference = context.Reference(CommonSchemas.FilterCondition);
            reference.Description = $"A {Describe(indexed.Definition.Type)} field.";
            properties[path] = reference;
        }
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description =
                $"Filters of '{schema.Key}' entries: filter[field]=value or filter[field][operator]=value. "
                + $"Filterable: {CommonSchemas.Filterable(schema)}. Sortable: the same but id.",
            Properties = properties,
            AdditionalPropertiesAllowed = false,
        };
    }

    private IOpenApiSchema FieldSchema(FieldDefinition field, Variant variant)
    {
        var schema = field.Type switch
        {
            FieldType.String or FieldType.Text => TextSchema(field),
            FieldType.Email => new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "email",
                MaxLength = MaxEmailLength,
                Pattern = field.Pattern is null ? null : SchemaBuilder.Anchor(field.Pattern),
                Description = variant == Variant.Output ? null : "Stored trimmed and lower-case.",
            },
            FieldType.Integer => new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Minimum = Number(field.Min) ?? (-MaxSafeInteger).ToString(CultureInfo.InvariantCulture),
                Maximum = Number(field.Max) ?? MaxSafeInteger.ToString(CultureInfo.InvariantCulture),
            },
            FieldType.Number => new OpenApiSchema
            {
                Type = JsonSchemaType.Number,
                Minimum = Number(field.Min),
                Maximum = Number(field.Max),
            },
            FieldType.Decimal => new OpenApiSchema
            {
                Type = JsonSchemaType.Number,
                Minimum = Number(field.Min),
                Maximum = Number(field.Max),
                Description = $"At most {field.Scale ?? EntryValidator.DefaultDecimalScale} digits after the decimal point.",
            },
            FieldType.Boolean => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            FieldType.DateTime => variant == Variant.Output
                ? SchemaBuilder.DateTime("UTC, millisecond precision (yyyy-MM-ddTHH:mm:ss.fffZ).")
                : SchemaBuilder.String("An ISO 8601 date or date-time (a date alone is midnight UTC); stored in UTC."),
            FieldType.Enumeration => SchemaBuilder.Enumeration(field.Values),
            FieldType.Json => new OpenApiSchema { Description = $"Any JSON value, at most {EntryValidator.MaxJsonFieldBytes} bytes." },
            FieldType.Relation => RelationSchema(field),
            FieldType.Component => ComponentFieldSchema(field, variant),
            FieldType.DynamicZone => DynamicZoneSchema(field, variant),
            _ => new OpenApiSchema(),
        };
        if (schema is OpenApiSchema inline)
        {
            inline.Description = Join(field.Description, inline.Description, UniqueNote(field));
            if (field.Default is { } value && variant != Variant.Patch)
            {
                inline.Default = JsonNode.Parse(value.Json);
            }
            if (field.SystemManaged && variant == Variant.Output)
            {
                inline.ReadOnly = true;
            }
        }
        else if (field.Description is not null && schema is OpenApiSchemaReference reference)
        {
            reference.Description = field.Description;
        }
        return variant == Variant.Patch ? SchemaBuilder.Nullable(schema) : schema;
    }

    private static OpenApiSchema TextSchema(FieldDefinition field) =>
        new()
        {
            Type = JsonSchemaType.String,
            MaxLength =
                field.MaxLength
                ?? (field.Type == FieldType.Text ? EntryValidator.DefaultTextMaxLength : EntryValidator.DefaultStringMaxLength),
            MinLength = field.MinLength,
            Pattern = field.Pattern is null ? null : SchemaBuilder.Anchor(field.Pattern),
        };

    private static OpenApiSchema RelationSchema(FieldDefinition field)
    {
        var id = SchemaBuilder.Id($"The id of a '{field.Target}' entry.");
        return field.Many
            ? new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = id,
                MinItems = field.MinItems,
                MaxItems = field.MaxItems,
                UniqueItems = true,
                Description = $"Ids of '{field.Target}' entries.",
            }
            : id;
    }

    private IOpenApiSchema ComponentFieldSchema(FieldDefinition field, Variant variant)
    {
        if (field.Component is null || !_componentNames.TryGetValue(field.Component, out var names))
        {
            return new OpenApiSchema { Type = JsonSchemaType.Object, Description = $"The component '{field.Component}'." };
        }
        if (!field.Repeatable)
        {
            return _context.Reference(UseComponent(field.Component, variant));
        }
        // A list is replaced as a whole, also by a patch.
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = _context.Reference(UseComponent(field.Component, variant == Variant.Output ? Variant.Output : Variant.Input)),
            MinItems = field.MinItems,
            MaxItems = ListMaximum(field, variant),
            Description =
                field.Overflow == OverflowPolicy.DropOldest
                    ? $"Keeps the newest {field.MaxItems} items (the last ones); older ones are dropped on write."
                    : null,
        };
    }

    private OpenApiSchema DynamicZoneSchema(FieldDefinition field, Variant variant)
    {
        var keys = field.Components.Where(_componentNames.ContainsKey).ToList();
        var choices = keys.Select(k => (IOpenApiSchema)_context.Reference(Item(k))).ToList();
        var mapping = keys.ToDictionary(k => k, k => _context.Reference(Item(k)), StringComparer.Ordinal);
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            MinItems = field.MinItems,
            MaxItems = ListMaximum(field, variant),
            Description = $"Items of the components {string.Join(", ", field.Components)}, told apart by '__component'.",
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new SortedSet<string>(StringComparer.Ordinal) { "__component" },
                OneOf = choices,
                Discriminator = new OpenApiDiscriminator { PropertyName = "__component", Mapping = mapping },
            },
        };

        string Item(string key) => UseComponent(key, variant == Variant.Output ? Variant.Output : Variant.Input);
    }

    /// <summary>The name of a component's schema, added to the document on first use.</summary>
    private string UseComponent(string key, Variant variant)
    {
        var names = _componentNames[key];
        var name = variant switch
        {
            Variant.Output => names.Output,
            Variant.Input => names.Input,
            _ => names.Patch,
        };
        if (_added.Add(name))
        {
            _context.Add(name, ComponentSchema(_components[key], variant));
        }
        return name;
    }

    /// <summary>A request may send more than maxItems to a drop-oldest list; the server keeps the newest.</summary>
    private static int? ListMaximum(FieldDefinition field, Variant variant) =>
        variant != Variant.Output && field.Overflow == OverflowPolicy.DropOldest ? null : field.MaxItems;

    private static string? Number(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static string? UniqueNote(FieldDefinition field) => field.Unique ? "Unique across entries of the type." : null;

    private static string Describe(FieldType type) =>
        type switch
        {
            FieldType.DateTime => "date-time",
            FieldType.DynamicZone => "dynamic zone",
            _ => type.ToString().ToLowerInvariant(),
        };

    private static string? Join(params string?[] parts)
    {
        var text = string.Join(" ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));
        return text.Length == 0 ? null : text;
    }
}
