using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// A schema as the catalog names it. Content-type schemas are resolved when the document is
/// generated, from the definitions current at that moment, so an entry can say "the customer
/// entry" without knowing today's fields.
/// </summary>
public abstract class ApiSchemaRef
{
    private protected ApiSchemaRef() { }

    /// <summary>A shared schema of the document (<see cref="CommonSchemas"/>, definition documents).</summary>
    public static ApiSchemaRef Named(string name) => new NamedRef(name);

    /// <summary>The stored entry of a content type (<c>&lt;Type&gt;Entry</c>); the generic Entry when the type is missing.</summary>
    public static ApiSchemaRef EntryOf(string typeKey) => new ContentTypeRef(typeKey, ContentSchemaRole.Entry);

    /// <summary>The body that creates or replaces an entry (<c>&lt;Type&gt;Input</c>).</summary>
    public static ApiSchemaRef InputOf(string typeKey) => new ContentTypeRef(typeKey, ContentSchemaRole.Input);

    /// <summary>The JSON Merge Patch body of an entry (<c>&lt;Type&gt;Patch</c>).</summary>
    public static ApiSchemaRef PatchOf(string typeKey) => new ContentTypeRef(typeKey, ContentSchemaRole.Patch);

    /// <summary>The <c>filter</c> parameter of a type: its indexed fields and operators (<c>&lt;Type&gt;Filter</c>).</summary>
    public static ApiSchemaRef FilterOf(string typeKey) => new ContentTypeRef(typeKey, ContentSchemaRole.Filter);

    /// <summary>A page of <paramref name="item"/>: <c>{"items": [...], "nextCursor": string | null}</c>.</summary>
    public static ApiSchemaRef PageOf(ApiSchemaRef item) => new PageRef(item);

    /// <summary>A full document: the entry schema with every system field present (write responses, reads without <c>fields</c>).</summary>
    public static ApiSchemaRef Complete(ApiSchemaRef entry) => new CompleteRef(entry);

    /// <summary>
    /// A schema derived from a System.Text.Json contract (source-generated or reflection), named
    /// after the type: how a new endpoint describes its own request or response DTO.
    /// </summary>
    public static ApiSchemaRef FromJson(JsonTypeInfo typeInfo) => new JsonTypeRef(typeInfo, JsonSchemaMode.Response);

    /// <summary>A request body read by System.Text.Json: only its required members are required.</summary>
    public static ApiSchemaRef FromJsonRequest(JsonTypeInfo typeInfo) => new JsonTypeRef(typeInfo, JsonSchemaMode.Request);

    /// <summary>A small inline schema (path parameters, headers).</summary>
    /// <summary>The <c>/api/v2</c> page envelope of <paramref name="item"/>: <c>{"data": [...], "links": {"next": url | null}}</c>.</summary>
    public static ApiSchemaRef DataPageOf(ApiSchemaRef item) => new DataPageRef(item);

    public static ApiSchemaRef Inline(Func<OpenApiSchema> create) => new InlineRef(create);

    internal abstract IOpenApiSchema Resolve(SchemaContext context);

    /// <summary>The component name this reference points to, when it points to one.</summary>
    internal virtual string? ComponentName(SchemaContext context) => null;

    private sealed class NamedRef(string name) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) => context.Reference(name);

        internal override string? ComponentName(SchemaContext context) => name;
    }

    private sealed class ContentTypeRef(string typeKey, ContentSchemaRole role) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) => context.Reference(ComponentName(context));

        internal override string ComponentName(SchemaContext context) => context.ContentSchemaName(typeKey, role);
    }

    private sealed class PageRef(ApiSchemaRef item) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) =>
            ComponentName(context) is { } name ? context.Reference(name) : CommonSchemas.Page(item.Resolve(context), "A page of items.");

        internal override string? ComponentName(SchemaContext context) =>
            item.ComponentName(context) is { } itemName ? context.PageName(itemName) : null;
    }

    private sealed class DataPageRef(ApiSchemaRef item) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) =>
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A page of items (v2 envelope).",
                Required = new SortedSet<string>(StringComparer.Ordinal) { "data", "links" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["data"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = item.Resolve(context) },
                    ["links"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new SortedSet<string>(StringComparer.Ordinal) { "next" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["next"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.String | JsonSchemaType.Null,
                                Format = "uri-reference",
                                Description = "The URL of the next page; null on the last page.",
                            },
                        },
                        AdditionalPropertiesAllowed = false,
                    },
                },
                AdditionalPropertiesAllowed = false,
            };
    }

    private sealed class CompleteRef(ApiSchemaRef entry) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) =>
            new OpenApiSchema { AllOf = [entry.Resolve(context), context.Reference(CommonSchemas.EntryMetadata)] };
    }

    private sealed class JsonTypeRef(JsonTypeInfo typeInfo, JsonSchemaMode mode) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) => context.JsonTypes.Reference(typeInfo, mode);

        internal override string ComponentName(SchemaContext context) => context.JsonTypes.NameOf(typeInfo, mode);
    }

    private sealed class InlineRef(Func<OpenApiSchema> create) : ApiSchemaRef
    {
        internal override IOpenApiSchema Resolve(SchemaContext context) => create();
    }
}

/// <summary>The schemas generated for each content type.</summary>
internal enum ContentSchemaRole
{
    Entry,
    Input,
    Patch,
    Filter,
}
