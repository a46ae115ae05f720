using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>Small schema shapes used across the document.</summary>
public static class SchemaBuilder
{
    /// <summary>Ids clients may choose and the server generates: 1-64 letters, digits, '-' or '_'.</summary>
    public const string IdPattern = "^[A-Za-z0-9_-]{1,64}$";

    /// <summary>Content-type and component keys: lower-case, starting with a letter, not ending with '-'.</summary>
    public const string KeyPattern = "^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$";

    /// <summary>
    /// ISO 8601 durations of at most 90 days in their common forms (1-90 days, or 1-999 hours, minutes or
    /// seconds). The server also reads combined forms (P1DT12H) up to the same limit; the pattern is the
    /// subset a client can rely on.
    /// </summary>
    public const string DurationUpTo90DaysPattern = "^(?:P(?:[1-9]|[1-8][0-9]|90)D|PT[1-9][0-9]{0,2}[HMS])$";

    public static OpenApiSchema String(string? description = null) => new() { Type = JsonSchemaType.String, Description = description };

    public static OpenApiSchema Id(string? description = null) =>
        new()
        {
            Type = JsonSchemaType.String,
            Pattern = IdPattern,
            Description = description,
        };

    public static OpenApiSchema Key(string? description = null) =>
        new()
        {
            Type = JsonSchemaType.String,
            Pattern = KeyPattern,
            Description = description,
        };

    public static OpenApiSchema DateTime(string? description = null) =>
        new()
        {
            Type = JsonSchemaType.String,
            Format = "date-time",
            Description = description,
        };

    public static OpenApiSchema Integer(long? minimum = null, long? maximum = null, string? description = null) =>
        new()
        {
            Type = JsonSchemaType.Integer,
            Minimum = minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Maximum = maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Description = description,
        };

    /// <summary>A string that is one of <paramref name="values"/>.</summary>
    public static OpenApiSchema Enumeration(IEnumerable<string> values, string? description = null) =>
        new()
        {
            Type = JsonSchemaType.String,
            Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
            Description = description,
        };

    /// <summary>The same schema, also accepting <c>null</c>.</summary>
    public static IOpenApiSchema Nullable(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchema { Type: { } type } inline && inline.OneOf is null && inline.AllOf is null && inline.AnyOf is null)
        {
            inline.Type = type | JsonSchemaType.Null;
            if (inline.Enum is { } values && !values.Any(v => v is null))
            {
                inline.Enum = [.. values, null!];
            }
            return inline;
        }
        if (schema is OpenApiSchema { Type: null, OneOf: null, AllOf: null, AnyOf: null, Enum: null, Const: null })
        {
            return schema; // any JSON value, null included
        }
        return new OpenApiSchema { OneOf = [schema, new OpenApiSchema { Type = JsonSchemaType.Null }] };
    }

    /// <summary>
    /// A whole-value pattern: the API matches patterns against the entire value, JSON Schema
    /// searches anywhere in it, so the document anchors them.
    /// </summary>
    public static string Anchor(string pattern) => "^(?:" + pattern + ")$";
}
