using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>Whether a schema describes what the server writes or what it reads.</summary>
internal enum JsonSchemaMode
{
    /// <summary>What the serializer writes: properties it always writes are required; nothing else appears.</summary>
    Response,

    /// <summary>What the deserializer reads: only <c>required</c> members are required; unknown members only when it rejects them.</summary>
    Request,
}

/// <summary>
/// Derives schemas from System.Text.Json contracts (<see cref="JsonTypeInfo"/>): the property
/// names, enum spellings and required members are the serializer's own, so the document
/// cannot drift from the wire format. Object types become components named after the type
/// (request forms get an <c>Input</c> suffix); everything else is inlined.
/// </summary>
internal sealed class JsonTypeSchemas(SchemaContext context)
{
    private readonly Dictionary<(Type, JsonSchemaMode), string> _names = [];

    /// <summary>Adds a description or constraints to a property: (declaring type, JSON name, schema).</summary>
    public Action<Type, string, OpenApiSchema>? CustomizeProperty { get; init; }

    public string NameOf(JsonTypeInfo typeInfo, JsonSchemaMode mode = JsonSchemaMode.Response)
    {
        var key = (typeInfo.Type, mode);
        if (_names.TryGetValue(key, out var name))
        {
            return name;
        }
        name = context.ReserveName(SchemaName(typeInfo.Type) + (mode == JsonSchemaMode.Request ? "Input" : ""));
        _names[key] = name;
        context.Add(name, BuildObject(typeInfo, mode));
        return name;
    }

    /// <summary>A component name for a type: generic types read as their arguments (ItemsPage&lt;AccountView&gt; is AccountViewItemsPage).</summary>
    private static string SchemaName(Type type) =>
        type.IsGenericType
            ? string.Concat(type.GetGenericArguments().Select(SchemaName)) + type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]
            : type.Name;

    public IOpenApiSchema Reference(JsonTypeInfo typeInfo, JsonSchemaMode mode = JsonSchemaMode.Response) =>
        context.Reference(NameOf(typeInfo, mode));

    /// <summary>The object schema of <paramref name="typeInfo"/>, without the properties in <paramref name="exclude"/>.</summary>
    public OpenApiSchema BuildObject(JsonTypeInfo typeInfo, JsonSchemaMode mode, IReadOnlySet<string>? exclude = null)
    {
        var options = typeInfo.Options;
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
            Required = new SortedSet<string>(StringComparer.Ordinal),
        };
        var hasExtensionData = false;
        foreach (var property in typeInfo.Properties)
        {
            if (property.IsExtensionData)
            {
                hasExtensionData = true;
                continue;
            }
            if (exclude?.Contains(property.Name) == true || (mode == JsonSchemaMode.Response ? property.Get is null : property.Set is null))
            {
                continue;
            }
            var ignore = property
                .AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true)
                .OfType<JsonIgnoreAttribute>()
                .FirstOrDefault();
            var alwaysWritten = ignore is null
                ? options.DefaultIgnoreCondition == JsonIgnoreCondition.Never
                : ignore.Condition == JsonIgnoreCondition.Never;
            var nullable = alwaysWritten && property.IsGetNullable && mode == JsonSchemaMode.Response;
            var propertySchema = SchemaFor(property.PropertyType, options, mode);
            if (nullable)
            {
                propertySchema = SchemaBuilder.Nullable(propertySchema);
            }
            if (propertySchema is OpenApiSchema inline)
            {
                CustomizeProperty?.Invoke(typeInfo.Type, property.Name, inline);
            }
            schema.Properties[property.Name] = propertySchema;
            if (property.IsRequired || (mode == JsonSchemaMode.Response && alwaysWritten))
            {
                schema.Required.Add(property.Name);
            }
        }
        var rejectsUnknown =
            mode == JsonSchemaMode.Response
            || (typeInfo.UnmappedMemberHandling ?? options.UnmappedMemberHandling) == JsonUnmappedMemberHandling.Disallow;
        if (rejectsUnknown && !hasExtensionData)
        {
            schema.AdditionalPropertiesAllowed = false;
        }
        return schema;
    }

    /// <summary>The schema of a value of <paramref name="type"/>: inline for scalars and lists, a reference for objects.</summary>
    public IOpenApiSchema SchemaFor(Type type, JsonSerializerOptions options, JsonSchemaMode mode)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return SchemaFor(underlying, options, mode);
        }
        if (Scalar(type) is { } scalar)
        {
            return scalar;
        }
        if (type.IsEnum)
        {
            return EnumSchema(type, options);
        }
        var typeInfo = options.GetTypeInfo(type);
        switch (typeInfo.Kind)
        {
            case JsonTypeInfoKind.Object when typeInfo.Properties.Count > 0:
                return Reference(typeInfo, mode);
            case JsonTypeInfoKind.Enumerable when typeInfo.ElementType is { } element:
                return new OpenApiSchema { Type = JsonSchemaType.Array, Items = SchemaFor(element, options, mode) };
            case JsonTypeInfoKind.Dictionary when typeInfo.ElementType is { } value:
                return new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = SchemaFor(value, options, mode) };
        }
        // A custom converter: collections still read and write as arrays; anything else may be any JSON value.
        var enumerable = type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable is not null
            ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = SchemaFor(enumerable.GetGenericArguments()[0], options, mode) }
            : new OpenApiSchema { Description = "Any JSON value." };
    }

    private static OpenApiSchema? Scalar(Type type)
    {
        if (type == typeof(string))
        {
            return new OpenApiSchema { Type = JsonSchemaType.String };
        }
        if (type == typeof(bool))
        {
            return new OpenApiSchema { Type = JsonSchemaType.Boolean };
        }
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint))
        {
            return new OpenApiSchema { Type = JsonSchemaType.Integer };
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new OpenApiSchema { Type = JsonSchemaType.Number };
        }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
        }
        if (type == typeof(Guid))
        {
            return new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" };
        }
        if (type == typeof(Uri))
        {
            return new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" };
        }
        return null;
    }

    /// <summary>Enum values as the serializer spells them (strings with a string converter, numbers otherwise).</summary>
    private static OpenApiSchema EnumSchema(Type type, JsonSerializerOptions options)
    {
        var values = Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.SerializeToNode(v, type, options)).ToList();
        var strings = values.All(v => v?.GetValueKind() == JsonValueKind.String);
        return new OpenApiSchema
        {
            Type = strings ? JsonSchemaType.String : JsonSchemaType.Integer,
            Enum = [.. values.Select(v => v!)],
            Description = strings ? null : string.Join(", ", Enum.GetNames(type).Select((n, i) => $"{values[i]}={n}")),
        };
    }
}
