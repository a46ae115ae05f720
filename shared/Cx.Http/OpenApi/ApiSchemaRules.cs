using System.Reflection;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>
/// Marks a static method <c>void Describe(ApiSchemaRules rules)</c> in a capability folder that
/// states, on the request DTOs the capability reads with System.Text.Json, the checks its handler
/// makes (formats, patterns, lengths, enums), so the document says what the server enforces.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ApiSchemaRulesAttribute : Attribute;

/// <summary>
/// Constraints on properties of request and response DTOs derived by <see cref="JsonTypeSchemas"/>:
/// (declaring type, JSON property name) to a change of the property's schema. Only the schema
/// changes; the handler's checks stay where they are and remain the authority.
/// </summary>
public sealed class ApiSchemaRules
{
    private static readonly Lazy<ApiSchemaRules> DiscoveredRules = new(Discover);

    private readonly Dictionary<(Type Type, string Name), List<Action<OpenApiSchema>>> _rules = [];

    private ApiSchemaRules() { }

    /// <summary>The rules every <see cref="ApiSchemaRulesAttribute"/> method of Cx.Http declares.</summary>
    internal static ApiSchemaRules Discovered => DiscoveredRules.Value;

    /// <summary>Adds <paramref name="rule"/> to the schema of property <paramref name="jsonName"/> of <typeparamref name="T"/>.</summary>
    public ApiSchemaRules Property<T>(string jsonName, Action<OpenApiSchema> rule)
    {
        var key = (typeof(T), jsonName);
        if (!_rules.TryGetValue(key, out var rules))
        {
            _rules[key] = rules = [];
        }
        rules.Add(rule);
        return this;
    }

    internal void Apply(Type declaringType, string jsonName, OpenApiSchema schema)
    {
        if (_rules.TryGetValue((declaringType, jsonName), out var rules))
        {
            foreach (var rule in rules)
            {
                rule(schema);
            }
        }
    }

    /// <summary>Each item of an array schema (the array itself when it has no inline item schema).</summary>
    public static Action<OpenApiSchema> Items(Action<OpenApiSchema> rule) =>
        schema =>
        {
            if (schema.Items is OpenApiSchema items)
            {
                rule(items);
            }
        };

    /// <summary>A string property limited to <paramref name="values"/>.</summary>
    public static Action<OpenApiSchema> Values(IEnumerable<string> values) =>
        schema => schema.Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)v)];

    private static ApiSchemaRules Discover()
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var rules = new ApiSchemaRules();
        foreach (
            var describe in typeof(ApiSchemaRules)
                .Assembly.GetTypes()
                .SelectMany(t => t.GetMethods(Static))
                .Where(m => m.IsDefined(typeof(ApiSchemaRulesAttribute)))
                .OrderBy(m => m.DeclaringType!.FullName, StringComparer.Ordinal)
                .ThenBy(m => m.Name, StringComparer.Ordinal)
        )
        {
            describe.CreateDelegate<Action<ApiSchemaRules>>()(rules);
        }
        return rules;
    }
}
