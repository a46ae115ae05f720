using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Common;

namespace Cx.Core.Content;

/// <summary>The value types a field can hold.</summary>
public enum FieldType
{
    /// <summary>Short text; at most 255 characters unless <c>maxLength</c> says otherwise.</summary>
    String,

    /// <summary>Long text; at most 100,000 characters unless <c>maxLength</c> says otherwise.</summary>
    Text,

    /// <summary>An e-mail address, stored lower-case.</summary>
    Email,

    /// <summary>A whole number (within ±2^53 so every store keeps it exactly).</summary>
    Integer,

    /// <summary>A floating-point number.</summary>
    Number,

    /// <summary>An exact decimal with at most <c>scale</c> fraction digits (default 2).</summary>
    Decimal,

    Boolean,

    /// <summary>An ISO 8601 instant, stored in UTC as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>.</summary>
    DateTime,

    /// <summary>One of <c>values</c>.</summary>
    Enumeration,

    /// <summary>Any JSON value (at most 64 KB when serialized).</summary>
    Json,

    /// <summary>The id of an entry of <c>target</c> (or an array of ids when <c>many</c>).</summary>
    Relation,

    /// <summary>An object shaped by <c>component</c> (or an array of them when <c>repeatable</c>).</summary>
    Component,

    /// <summary>An array of objects, each one of <c>components</c>, told apart by <c>__component</c>.</summary>
    DynamicZone,
}

public enum ContentKind
{
    /// <summary>Many entries, listed and paginated.</summary>
    Collection,

    /// <summary>Exactly one entry (site settings, a home page).</summary>
    Single,
}

public enum OverflowPolicy
{
    /// <summary>More than <c>maxItems</c> items is a validation error.</summary>
    Reject,

    /// <summary>Keep the newest <c>maxItems</c> items (the last ones in the array).</summary>
    DropOldest,
}

/// <summary>The kind of personal data a field holds (see docs/privacy.md).</summary>
public enum PersonalDataCategory
{
    /// <summary>Identifies the person directly or links to them: customer ids, subjects, external ids.</summary>
    Identifier,

    /// <summary>A person's name.</summary>
    Name,

    /// <summary>A way to reach the person: e-mail address, phone number.</summary>
    Contact,

    /// <summary>Where the person is or lives: addresses, time zones, coordinates.</summary>
    Location,

    /// <summary>What the person did: log-ins, interaction history.</summary>
    Activity,

    /// <summary>Free text the person or an agent wrote, which may hold anything about them.</summary>
    FreeText,

    /// <summary>Payment or account data.</summary>
    Financial,

    /// <summary>Personal data of another kind.</summary>
    Other,
}

/// <summary>How entries of a type are placed: which container, partitioned by what.</summary>
public enum PartitionStrategy
{
    /// <summary>All entries of the type share one partition (the type key).</summary>
    Type,

    /// <summary>Each entry is its own partition (customer profiles: partitioned by customer id).</summary>
    Id,
}

public sealed record StorageDefinition
{
    public static StorageDefinition Default { get; } = new();

    /// <summary><c>content</c> (default) or <c>customers</c> (customer-scoped data).</summary>
    public string Container { get; init; } = Documents.Containers.Content;

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public PartitionStrategy PartitionBy { get; init; } = PartitionStrategy.Type;
}

/// <summary>A field of a content type or component. Immutable; compares by value.</summary>
public sealed record FieldDefinition
{
    public required string Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required FieldType Type { get; init; }

    public string? Description { get; init; }

    public bool Required { get; init; }

    /// <summary>Unique across all entries of the content type (top-level fields only).</summary>
    public bool Unique { get; init; }

    /// <summary>Filterable and sortable in list queries (scalar fields, top level or in a single component).</summary>
    public bool Indexed { get; init; }

    /// <summary>Written by the system only; clients cannot set or change it.</summary>
    public bool SystemManaged { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public decimal? Min { get; init; }

    public decimal? Max { get; init; }

    /// <summary>Fraction digits allowed by a <c>decimal</c> field (default 2).</summary>
    public int? Scale { get; init; }

    /// <summary>A .NET regular expression the whole string must match (evaluated with a timeout).</summary>
    public string? Pattern { get; init; }

    /// <summary>Allowed values of an <c>enumeration</c>.</summary>
    public EquatableArray<string> Values { get; init; }

    /// <summary>The component key of a <c>component</c> field.</summary>
    public string? Component { get; init; }

    public bool Repeatable { get; init; }

    public int? MinItems { get; init; }

    public int? MaxItems { get; init; }

    public OverflowPolicy Overflow { get; init; } = OverflowPolicy.Reject;

    /// <summary>The component keys a <c>dynamicZone</c> accepts.</summary>
    public EquatableArray<string> Components { get; init; }

    /// <summary>The content type a <c>relation</c> points to.</summary>
    public string? Target { get; init; }

    /// <summary>A relation to many entries (an array of ids).</summary>
    public bool Many { get; init; }

    /// <summary>The value used when a write omits the field.</summary>
    public JsonLiteral? Default { get; init; }

    /// <summary>
    /// The field holds personal data of this category (absent: it does not). Access requests
    /// return tagged fields; erasure anonymises them where the entry itself must stay.
    /// </summary>
    public PersonalDataCategory? Personal { get; init; }
}

/// <summary>A content type: a document that defines the shape of its entries.</summary>
public sealed record ContentType
{
    /// <summary>Lower-case key (<c>customer</c>, <c>article</c>): <c>[a-z][a-z0-9-]{0,63}</c>.</summary>
    public required string Key { get; init; }

    public required string DisplayName { get; init; }

    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ContentKind Kind { get; init; } = ContentKind.Collection;

    public EquatableArray<FieldDefinition> Fields { get; init; }

    public StorageDefinition Storage { get; init; } = StorageDefinition.Default;

    /// <summary>Built in and required by the product: cannot be deleted or lose built-in fields.</summary>
    public bool BuiltIn { get; init; }

    /// <summary>
    /// Entries are written by Cx only (reports and other system records): clients can read them,
    /// but not create, change or delete them. Server-owned; set on built-in types only.
    /// </summary>
    public bool SystemWritten { get; init; }

    /// <summary>
    /// A permission a caller needs, besides <c>content:read</c>, to read entries of this type
    /// (journey reports need <c>analytics:read</c>). Server-owned; set on built-in types only.
    /// </summary>
    public string? ReadPermission { get; init; }

    /// <summary>Increments with every change; entries record the version they were written with.</summary>
    public int Version { get; init; } = 1;

    public FieldDefinition? FindField(string name)
    {
        foreach (var field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }
        return null;
    }
}

/// <summary>A reusable group of fields, used by component fields and dynamic zones.</summary>
public sealed record ComponentDefinition
{
    public required string Key { get; init; }

    public required string DisplayName { get; init; }

    public string? Description { get; init; }

    public EquatableArray<FieldDefinition> Fields { get; init; }

    public bool BuiltIn { get; init; }

    public int Version { get; init; } = 1;

    public FieldDefinition? FindField(string name)
    {
        foreach (var field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }
        return null;
    }
}

/// <summary>A JSON value held as canonical text, so records that carry one compare by value.</summary>
[JsonConverter(typeof(JsonLiteralConverter))]
public sealed record JsonLiteral(string Json)
{
    /// <summary>Captures a JSON value in compact form (no insignificant white space).</summary>
    public static JsonLiteral From(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }
        return new JsonLiteral(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    public JsonElement Parse()
    {
        using var document = JsonDocument.Parse(Json);
        return document.RootElement.Clone();
    }

    private sealed class JsonLiteralConverter : JsonConverter<JsonLiteral>
    {
        public override JsonLiteral Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return From(document.RootElement);
        }

        public override void Write(Utf8JsonWriter writer, JsonLiteral value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json);
    }
}
