using System.Reflection;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// Marks a static method <c>void Describe(DefinitionSchemas schemas)</c> in a capability folder
/// that adds the schemas of the capability's definition documents (content types, event types,
/// segments, journeys), so a new capability adds its documents without touching this folder.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ApiDefinitionSchemasAttribute : Attribute;

/// <summary>
/// Schemas of the definition documents, derived from the System.Text.Json contract the
/// registries read and write them with, plus the envelope every stored document has and the
/// rules <see cref="DefinitionRules"/> enforces on keys and names. Each capability declares its
/// documents (<see cref="ApiDefinitionSchemasAttribute"/>); the shared vocabulary of property
/// descriptions is here, and a capability's own property rules are applied after it.
/// </summary>
public sealed class DefinitionSchemas
{
    /// <summary>Properties the server owns: ignored when a client sends them back.</summary>
    private static readonly HashSet<string> ServerOwned = new(StringComparer.Ordinal)
    {
        "version",
        "builtIn",
        "systemWritten",
        "readPermission",
    };

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["key"] = "1-64 lower-case letters, digits or '-', starting with a letter; fixed once created.",
        ["displayName"] = "1-100 characters.",
        ["description"] = "At most 1000 characters.",
        ["kind"] =
            "collection: many entries under /v1/content/{typeKey}; single: one entry under /v1/singles/{typeKey}. Fixed once created.",
        ["storage"] = "Where entries live: {content, type} (the default) or {customers, id}. Fixed once created.",
        ["builtIn"] = "Built into the product: cannot be deleted, and its built-in fields stay.",
        ["version"] = "Increments with every change; entries record the version they were written with (schemaVersion).",
        ["name"] = "A letter, then up to 63 letters, digits or '_'; case-insensitively unique in its type or component.",
        ["required"] = "Writes must set it (or it has a default).",
        ["unique"] = "Unique across all entries of the type (top-level scalar fields, not boolean).",
        ["indexed"] = "Filterable and sortable in list queries (scalar fields and to-one relations).",
        ["systemManaged"] = "Written by Cx only; clients cannot set it (top-level fields).",
        ["minLength"] = "string, text, email.",
        ["maxLength"] = "string (default 255, at most 4096), text (default 100,000), email.",
        ["min"] = "integer, number, decimal.",
        ["max"] = "integer, number, decimal.",
        ["scale"] = "decimal: digits after the decimal point (0-10, default 2).",
        ["pattern"] = "string, text, email: a .NET regular expression the whole value must match.",
        ["values"] = "enumeration: the allowed values.",
        ["component"] = "component: the component key.",
        ["repeatable"] = "component: an array of them.",
        ["minItems"] = "Repeatable components, dynamic zones, to-many relations.",
        ["maxItems"] = "Required for lists (at most 1000), so documents cannot grow without limit.",
        ["overflow"] = "reject: more than maxItems is an error; dropOldest: keep the newest maxItems.",
        ["components"] = "dynamicZone: the component keys it accepts.",
        ["target"] = "relation: the content type it points to.",
        ["many"] = "relation: an array of ids.",
        ["default"] = "The value used when a write omits the field.",
        ["container"] = "content or customers.",
        ["systemWritten"] = "Entries are written by Cx only (reports): clients read them but cannot create, change or delete them.",
        ["readPermission"] = "A permission needed, besides content:read, to read the entries (journey reports: analytics:read).",
    };

    private readonly List<Action<Type, string, OpenApiSchema>> _customizers = [];
    private readonly List<(string Name, Func<JsonTypeSchemas, OpenApiSchema> Build)> _schemas = [];
    private readonly List<(
        IReadOnlyList<string> Names,
        Func<Func<string, IOpenApiSchema>, IReadOnlyDictionary<string, IOpenApiSchema>> Build
    )> _groups = [];

    private DefinitionSchemas() { }

    /// <summary>A rule for properties of the capability's types, applied after the shared descriptions.</summary>
    public void Customize(Action<Type, string, OpenApiSchema> customize) => _customizers.Add(customize);

    /// <summary>
    /// The stored document of <typeparamref name="T"/> (its properties inside the document envelope)
    /// named <paramref name="name"/>; <paramref name="adjust"/> changes the result (required names, ...).
    /// </summary>
    public void AddDocument<T>(
        string name,
        string documentType,
        string description,
        OpenApiSchema? idSchema = null,
        Action<OpenApiSchema>? adjust = null
    ) =>
        _schemas.Add(
            (
                name,
                schemas =>
                {
                    var schema = Document(
                        schemas.BuildObject(DefinitionJson.Options.GetTypeInfo(typeof(T)), JsonSchemaMode.Response),
                        documentType,
                        description,
                        idSchema
                    );
                    adjust?.Invoke(schema);
                    return schema;
                }
            )
        );

    /// <summary><typeparamref name="T"/> as a client sends it (server-owned properties left out) named <paramref name="name"/>.</summary>
    public void AddInput<T>(string name, string description, Action<OpenApiSchema>? adjust = null) =>
        _schemas.Add(
            (
                name,
                schemas =>
                {
                    var schema = Input(
                        schemas.BuildObject(DefinitionJson.Options.GetTypeInfo(typeof(T)), JsonSchemaMode.Request, ServerOwned),
                        description
                    );
                    adjust?.Invoke(schema);
                    return schema;
                }
            )
        );

    /// <summary>
    /// Shared schemas that may refer to each other (recursive rule languages): every name in
    /// <paramref name="names"/> is reserved first, then <paramref name="build"/> gets a reference
    /// factory and returns the schema of each name. Groups are added before the documents.
    /// </summary>
    public void AddGroup(
        IReadOnlyList<string> names,
        Func<Func<string, IOpenApiSchema>, IReadOnlyDictionary<string, IOpenApiSchema>> build
    ) => _groups.Add((names, build));

    internal static void Register(SchemaContext context)
    {
        var definitions = new DefinitionSchemas();
        foreach (var describe in Discover())
        {
            describe(definitions);
        }
        foreach (var (names, build) in definitions._groups)
        {
            foreach (var name in names)
            {
                if (context.ReserveName(name) != name)
                {
                    throw new InvalidOperationException($"The schema name '{name}' is used twice.");
                }
            }
            var built = build(context.Reference);
            foreach (var name in names)
            {
                context.Add(name, built[name]);
            }
        }
        var schemas = new JsonTypeSchemas(context) { CustomizeProperty = definitions.CustomizeProperty };
        foreach (var (name, build) in definitions._schemas)
        {
            context.AddShared(name, build(schemas));
        }
    }

    /// <summary>The <see cref="ApiDefinitionSchemasAttribute"/> methods of Cx.Http, in a stable order.</summary>
    private static IEnumerable<Action<DefinitionSchemas>> Discover()
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return typeof(DefinitionSchemas)
            .Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(Static))
            .Where(m => m.IsDefined(typeof(ApiDefinitionSchemasAttribute)))
            .OrderBy(m => m.DeclaringType!.FullName, StringComparer.Ordinal)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => m.CreateDelegate<Action<DefinitionSchemas>>());
    }

    private void CustomizeProperty(Type declaringType, string name, OpenApiSchema schema)
    {
        Describe(declaringType, name, schema);
        foreach (var customize in _customizers)
        {
            customize(declaringType, name, schema);
        }
    }

    private static OpenApiSchema Document(OpenApiSchema schema, string documentType, string description, OpenApiSchema? idSchema)
    {
        var properties = CommonSchemas.SystemProperties();
        var id = idSchema ?? SchemaBuilder.Key("The key (definition documents are identified by their key).");
        id.ReadOnly = true;
        properties["id"] = id;
        var type = SchemaBuilder.Enumeration([documentType], "The document type.");
        type.ReadOnly = true;
        properties["type"] = type;
        var schemaVersion = SchemaBuilder.Integer(1, null, "The version of the definition document format.");
        schemaVersion.ReadOnly = true;
        properties["schemaVersion"] = schemaVersion;
        foreach (var (name, property) in schema.Properties!)
        {
            properties[name] = property;
        }
        foreach (var name in ServerOwned)
        {
            if (properties.TryGetValue(name, out var owned) && owned is OpenApiSchema inline)
            {
                inline.ReadOnly = true;
            }
        }
        schema.Properties = properties;
        foreach (var name in (string[])["id", "type", "schemaVersion", "createdAt", "updatedAt"])
        {
            schema.Required!.Add(name);
        }
        schema.Description = description;
        return schema;
    }

    private static OpenApiSchema Input(OpenApiSchema schema, string description)
    {
        schema.Description =
            description
            + " Server-owned properties (id, type, schemaVersion, createdAt, updatedAt, version, builtIn, systemWritten, readPermission) sent back are ignored; any other unknown property is an error.";
        return schema;
    }

    /// <summary>The shared vocabulary: descriptions and limits of properties every definition document uses.</summary>
    private static void Describe(Type declaringType, string name, OpenApiSchema schema)
    {
        if (Descriptions.TryGetValue(name, out var description) && !(name == "description" && declaringType == typeof(FieldDefinition)))
        {
            schema.Description = description;
        }
        switch (name)
        {
            case "key" or "component" or "target":
                schema.Pattern = SchemaBuilder.KeyPattern;
                break;
            case "displayName":
                schema.MinLength = 1;
                schema.MaxLength = 100;
                break;
            case "description" when declaringType != typeof(FieldDefinition):
                schema.MaxLength = 1000;
                break;
            case "name" when declaringType == typeof(FieldDefinition):
                schema.Pattern = "^[A-Za-z][A-Za-z0-9_]{0,63}$";
                break;
            case "fields":
                schema.MaxItems = DefinitionRules.MaxFields;
                break;
            case "values":
                schema.MaxItems = DefinitionRules.MaxEnumerationValues;
                break;
            case "components" when schema.Items is OpenApiSchema items:
                items.Pattern = SchemaBuilder.KeyPattern;
                break;
            case "container":
                schema.Enum = [Containers.Content, Containers.Customers];
                break;
        }
    }
}
