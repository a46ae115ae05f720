using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Cx.Http.Segments;

/// <summary>
/// The segment rule language in the OpenAPI document: docs/schemas/segment-criteria.schema.json
/// (embedded in this assembly, so the document and the published JSON Schema cannot drift),
/// each of its definitions a component named <c>SegmentCriteria</c> + the definition's name.
/// </summary>
internal static class SegmentCriteriaSchema
{
    /// <summary>The whole rule: one condition.</summary>
    public const string Root = "SegmentCriteria";

    private const string Resource = "cx-schemas/segment-criteria.schema.json";

    private static readonly Lazy<JsonObject> Source = new(Load);

    /// <summary>The component names, the root first.</summary>
    public static IReadOnlyList<string> Names => [Root, .. Definitions.Select(d => ComponentName(d.Key))];

    private static IEnumerable<KeyValuePair<string, JsonNode?>> Definitions => Source.Value["definitions"]!.AsObject();

    /// <summary>Every component of the rule language, its references made with <paramref name="reference"/>.</summary>
    public static Dictionary<string, IOpenApiSchema> Build(Func<string, IOpenApiSchema> reference)
    {
        var source = Source.Value;
        var root = Convert(source, reference);
        root.Description = source["description"]?.GetValue<string>();
        // Every condition is an object; saying so on the root keeps the type of criteria for tools that merge allOf.
        root.Type = JsonSchemaType.Object;
        var schemas = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal) { [Root] = root };
        foreach (var (name, definition) in Definitions)
        {
            schemas[ComponentName(name)] = Convert(definition!.AsObject(), reference);
        }
        return schemas;
    }

    private static string ComponentName(string definition) => Root + char.ToUpperInvariant(definition[0]) + definition[1..];

    private static JsonObject Load()
    {
        using var stream =
            typeof(SegmentCriteriaSchema).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded resource '{Resource}' is missing.");
        return JsonNode.Parse(stream)!.AsObject();
    }

    /// <summary>The keywords the rule language uses; any other keyword is an error, so nothing is lost silently.</summary>
    private static OpenApiSchema Convert(JsonObject node, Func<string, IOpenApiSchema> reference)
    {
        var schema = new OpenApiSchema();
        foreach (var (keyword, value) in node)
        {
            switch (keyword)
            {
                case "$schema" or "$id" or "title" or "examples" or "definitions":
                    break;
                case "description":
                    schema.Description = value!.GetValue<string>();
                    break;
                case "type":
                    schema.Type = value is JsonArray types
                        ? types.Select(t => Type(t!.GetValue<string>())).Aggregate((a, b) => a | b)
                        : Type(value!.GetValue<string>());
                    break;
                case "pattern":
                    schema.Pattern = value!.GetValue<string>();
                    break;
                case "minLength":
                    schema.MinLength = value!.GetValue<int>();
                    break;
                case "maxLength":
                    schema.MaxLength = value!.GetValue<int>();
                    break;
                case "minItems":
                    schema.MinItems = value!.GetValue<int>();
                    break;
                case "maxItems":
                    schema.MaxItems = value!.GetValue<int>();
                    break;
                case "enum":
                    schema.Enum = [.. value!.AsArray().Select(v => v!.DeepClone())];
                    break;
                case "required":
                    schema.Required = new SortedSet<string>(value!.AsArray().Select(v => v!.GetValue<string>()), StringComparer.Ordinal);
                    break;
                case "additionalProperties" when value!.GetValue<bool>() is false:
                    schema.AdditionalPropertiesAllowed = false;
                    break;
                case "properties":
                    schema.Properties = value!
                        .AsObject()
                        .ToDictionary(p => p.Key, p => Child(p.Value!.AsObject(), reference), StringComparer.Ordinal);
                    break;
                case "items":
                    schema.Items = Child(value!.AsObject(), reference);
                    break;
                case "allOf":
                    schema.AllOf = [.. value!.AsArray().Select(v => Child(v!.AsObject(), reference))];
                    break;
                case "anyOf":
                    schema.AnyOf = [.. value!.AsArray().Select(v => Child(v!.AsObject(), reference))];
                    break;
                case "oneOf":
                    schema.OneOf = [.. value!.AsArray().Select(v => Child(v!.AsObject(), reference))];
                    break;
                default:
                    throw new InvalidOperationException(
                        $"The segment criteria schema uses '{keyword}', which the OpenAPI conversion does not know."
                    );
            }
        }
        return schema;
    }

    /// <summary>A subschema: a reference to a definition's component, or converted inline.</summary>
    private static IOpenApiSchema Child(JsonObject node, Func<string, IOpenApiSchema> reference)
    {
        const string Prefix = "#/definitions/";
        if (node["$ref"]?.GetValue<string>() is { } target)
        {
            if (node.Count != 1 || !target.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The segment criteria schema's reference '{target}' is not a bare local definition.");
            }
            return reference(ComponentName(target[Prefix.Length..]));
        }
        return Convert(node, reference);
    }

    private static JsonSchemaType Type(string name) =>
        name switch
        {
            "string" => JsonSchemaType.String,
            "number" => JsonSchemaType.Number,
            "integer" => JsonSchemaType.Integer,
            "boolean" => JsonSchemaType.Boolean,
            "object" => JsonSchemaType.Object,
            "array" => JsonSchemaType.Array,
            "null" => JsonSchemaType.Null,
            _ => throw new InvalidOperationException($"Unknown JSON Schema type '{name}'."),
        };
}
