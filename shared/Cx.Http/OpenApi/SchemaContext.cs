using Cx.Core.Content;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// The schemas of one document being generated: unique component names, references into
/// the document, and the names chosen for each content type's schemas.
/// </summary>
internal sealed class SchemaContext
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<(string TypeKey, ContentSchemaRole Role), string> _contentNames = [];
    private readonly Dictionary<(string TypeKey, ContentSchemaRole Role), Func<IOpenApiSchema>> _lazyContent = [];
    private readonly Dictionary<string, string> _pageNames = new(StringComparer.Ordinal);

    public SchemaContext(OpenApiDocument document, ContentOptions contentOptions)
    {
        Document = document;
        ContentOptions = contentOptions;
        JsonTypes = new JsonTypeSchemas(this) { CustomizeProperty = ApiSchemaRules.Discovered.Apply };
    }

    public OpenApiDocument Document { get; }

    public ContentOptions ContentOptions { get; }

    /// <summary>Schemas derived from System.Text.Json contracts (definition documents, DTOs).</summary>
    public JsonTypeSchemas JsonTypes { get; }

    private IDictionary<string, IOpenApiSchema> Schemas => Document.Components!.Schemas!;

    /// <summary>A free component name: <paramref name="preferred"/>, or with a number when it is taken.</summary>
    public string ReserveName(string preferred)
    {
        var name = preferred;
        for (var i = 2; !_names.Add(name); i++)
        {
            name = preferred + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return name;
    }

    /// <summary>Adds a schema under a name from <see cref="ReserveName"/>.</summary>
    public void Add(string name, IOpenApiSchema schema) => Schemas[name] = schema;

    /// <summary>Reserves <paramref name="name"/> exactly (shared schemas) and adds the schema.</summary>
    public void AddShared(string name, IOpenApiSchema schema)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The schema name '{name}' is used twice.");
        }
        Schemas[name] = schema;
    }

    public OpenApiSchemaReference Reference(string name) =>
        Schemas.ContainsKey(name) || _names.Contains(name)
            ? new OpenApiSchemaReference(name, Document)
            : throw new InvalidOperationException($"The OpenAPI document has no schema named '{name}'.");

    /// <summary>Registers the name of a content type's schema; <paramref name="create"/> runs when it is first referenced.</summary>
    public void RegisterContentSchema(string typeKey, ContentSchemaRole role, string name, Func<IOpenApiSchema> create)
    {
        _contentNames[(typeKey, role)] = name;
        _lazyContent[(typeKey, role)] = create;
    }

    /// <summary>The component name of a content type's schema (created on first use); the generic one when the type is unknown.</summary>
    public string ContentSchemaName(string typeKey, ContentSchemaRole role)
    {
        if (!_contentNames.TryGetValue((typeKey, role), out var name))
        {
            return role switch
            {
                ContentSchemaRole.Entry => CommonSchemas.Entry,
                ContentSchemaRole.Input => CommonSchemas.EntryInput,
                ContentSchemaRole.Patch => CommonSchemas.EntryPatch,
                _ => CommonSchemas.EntryFilter,
            };
        }
        if (_lazyContent.Remove((typeKey, role), out var create))
        {
            Add(name, create());
        }
        return name;
    }

    /// <summary>The page schema of a named item schema, created on first use.</summary>
    public string PageName(string itemName)
    {
        if (_pageNames.TryGetValue(itemName, out var name))
        {
            return name;
        }
        name = ReserveName(itemName + "Page");
        _pageNames[itemName] = name;
        Add(name, CommonSchemas.Page(Reference(itemName), $"A page of {itemName} items, in a stable order."));
        return name;
    }
}
