using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Segments;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// Schemas of the definition documents (content types, components), derived from the
/// System.Text.Json contract the registry reads and writes them with, plus the envelope every
/// stored document has and the rules <see cref="DefinitionRules"/> enforces on keys and names.
/// </summary>
public static class DefinitionSchemas
{
    public const string ContentTypeDocument = "ContentTypeDefinition";

    public const string ContentTypeInput = "ContentTypeDefinitionInput";

    public const string ComponentDocument = "ComponentDefinition";

    public const string ComponentInput = "ComponentDefinitionInput";

    public const string EventTypeDocument = "EventTypeDefinition";

    public const string EventTypeInput = "EventTypeDefinitionInput";

    public const string EventTypeSettingsDocument = "EventTypeSettings";

    public const string EventTypeSettingsInput = "EventTypeSettingsInput";

    public const string JourneyDocument = "JourneyDefinition";

    public const string JourneyInput = "JourneyDefinitionInput";

    /// <summary>Journey keys: content-type keys of at most <see cref="JourneyRegistry.MaxKeyLength"/> characters.</summary>
    public const string JourneyKeyPattern = "^[a-z](?:[a-z0-9-]{0,46}[a-z0-9])?$";
    public const string SegmentDocument = "SegmentDefinition";

    public const string SegmentInput = "SegmentDefinitionInput";

    /// <summary>Event-type keys: what <see cref="EventTypeRegistry.IsEventTypeKey"/> accepts.</summary>
    public const string EventTypeKeyPattern = "^[a-z][a-z0-9_.-]{0,63}$";

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
        ["stages"] = "The event types of each stage; an event type belongs to one stage at most.",
        ["awareness"] = "1-20 event types: a subject is aware when it does one of them in the report's range.",
        ["consideration"] = "1-20 event types, done after an awareness event within the conversion window.",
        ["action"] = "1-20 event types, done after a consideration event within the conversion window.",
        ["conversionWindow"] =
            "ISO 8601 duration (days, hours, minutes, seconds; at most P90D, default P30D): every stage before the awareness time plus this. Stored in canonical form.",
    };

    internal static void Register(SchemaContext context)
    {
        var schemas = new JsonTypeSchemas(context) { CustomizeProperty = Customize };
        var options = DefinitionJson.Options;
        context.AddShared(
            ContentTypeDocument,
            Document(
                schemas.BuildObject(options.GetTypeInfo(typeof(ContentType)), JsonSchemaMode.Response),
                ContentTypeRegistry.ContentTypeDocument,
                "A content type: the definition of the fields its entries have."
            )
        );
        context.AddShared(
            ContentTypeInput,
            Input(
                schemas.BuildObject(options.GetTypeInfo(typeof(ContentType)), JsonSchemaMode.Request, ServerOwned),
                "A content type as a client sends it."
            )
        );
        context.AddShared(
            ComponentDocument,
            Document(
                schemas.BuildObject(options.GetTypeInfo(typeof(ComponentDefinition)), JsonSchemaMode.Response),
                ContentTypeRegistry.ComponentDocument,
                "A component: a reusable group of fields for component fields and dynamic zones."
            )
        );
        context.AddShared(
            ComponentInput,
            Input(
                schemas.BuildObject(options.GetTypeInfo(typeof(ComponentDefinition)), JsonSchemaMode.Request, ServerOwned),
                "A component as a client sends it."
            )
        );
        context.AddShared(
            EventTypeDocument,
            Document(
                schemas.BuildObject(options.GetTypeInfo(typeof(EventTypeDefinition)), JsonSchemaMode.Response),
                EventTypeRegistry.Document,
                "An event type: the name clients send and the schema of its properties.",
                new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = EventTypeKeyPattern,
                    Description = "The key.",
                }
            )
        );
        context.AddShared(
            EventTypeInput,
            Input(
                schemas.BuildObject(options.GetTypeInfo(typeof(EventTypeDefinition)), JsonSchemaMode.Request, ServerOwned),
                "An event type as a client sends it."
            )
        );
        var settings = Document(
            schemas.BuildObject(options.GetTypeInfo(typeof(EventTypeSettings)), JsonSchemaMode.Response),
            EventTypeRegistry.SettingsDocument,
            "Registry-wide event settings. Until a document is saved, the configured defaults are shown without timestamps or ETag.",
            SchemaBuilder.Enumeration([EventTypeRegistry.SettingsId], "Always 'settings'.")
        );
        settings.Required!.Remove("createdAt");
        settings.Required.Remove("updatedAt");
        context.AddShared(EventTypeSettingsDocument, settings);
        var segment = Document(
            schemas.BuildObject(options.GetTypeInfo(typeof(SegmentDefinition)), JsonSchemaMode.Response),
            SegmentDocuments.Segment,
            "A segment: a rule over customer profiles and behaviour whose membership keeps itself up to date."
        );
        foreach (var name in (string[])["key", "name", "criteria"])
        {
            segment.Required!.Add(name);
        }
        context.AddShared(SegmentDocument, segment);
        var segmentInput = Input(
            schemas.BuildObject(options.GetTypeInfo(typeof(SegmentDefinition)), JsonSchemaMode.Request, ServerOwned),
            "A segment as a client sends it."
        );
        foreach (var name in (string[])["key", "name", "criteria"])
        {
            segmentInput.Required!.Add(name);
        }
        context.AddShared(SegmentInput, segmentInput);
        context.AddShared(
            JourneyDocument,
            Document(
                schemas.BuildObject(options.GetTypeInfo(typeof(JourneyDefinition)), JsonSchemaMode.Response),
                JourneyRegistry.Document,
                "A journey: which event types put a subject in the awareness, consideration and action stages.",
                new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = JourneyKeyPattern,
                    Description = "The key.",
                }
            )
        );
        context.AddShared(
            JourneyInput,
            Input(
                schemas.BuildObject(options.GetTypeInfo(typeof(JourneyDefinition)), JsonSchemaMode.Request, ServerOwned),
                "A journey as a client sends it."
            )
        );
        context.AddShared(
            EventTypeSettingsInput,
            Input(
                schemas.BuildObject(options.GetTypeInfo(typeof(EventTypeSettings)), JsonSchemaMode.Request, ServerOwned),
                "The settings as a client sends them."
            )
        );
    }

    private static OpenApiSchema Document(OpenApiSchema schema, string documentType, string description, OpenApiSchema? idSchema = null)
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

    private static void Customize(Type declaringType, string name, OpenApiSchema schema)
    {
        if (Descriptions.TryGetValue(name, out var description) && !(name == "description" && declaringType == typeof(FieldDefinition)))
        {
            schema.Description = description;
        }
        switch (name)
        {
            case "key" when declaringType == typeof(JourneyDefinition):
                schema.Pattern = JourneyKeyPattern;
                schema.Description =
                    $"1-{JourneyRegistry.MaxKeyLength} lower-case letters, digits or '-', starting with a letter; fixed once created.";
                break;
            case "awareness" or "consideration" or "action" when schema.Items is OpenApiSchema stageItems:
                schema.MaxItems = JourneyRegistry.MaxEventTypesPerStage;
                stageItems.Pattern = EventTypeKeyPattern;
                break;
            case "key" when declaringType == typeof(EventTypeDefinition):
                schema.Pattern = EventTypeKeyPattern;
                schema.Description = "1-64 of a-z, 0-9, '_', '.', '-', starting with a letter; fixed once created.";
                break;
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
            case "criteria" when declaringType == typeof(SegmentDefinition):
                schema.Type = JsonSchemaType.Object;
                schema.Description =
                    "The rule: comparisons, all/any/not, relative dates and behaviour conditions (docs/segments.md; JSON Schema in docs/schemas/segment-criteria.schema.json).";
                break;
            case "name" when declaringType == typeof(SegmentDefinition):
                schema.MinLength = 1;
                schema.MaxLength = SegmentRules.MaxNameLength;
                schema.Description = "1-100 characters, shown to marketers.";
                break;
            case "status" when declaringType == typeof(SegmentDefinition):
                schema.Description = "active: membership follows the rule; paused: frozen; archived: every member removed.";
                break;
            case "version" when declaringType == typeof(SegmentDefinition):
                schema.Description = "The rule version: 1 when created, +1 with every change of the criteria (see .../versions).";
                break;
        }
    }
}
