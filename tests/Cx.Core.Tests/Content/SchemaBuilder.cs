using Cx.Core.Content;
using Cx.Core.Profiles;

namespace Cx.Core.Tests.Content;

/// <summary>Test data: content types, components and compiled schemas.</summary>
public static class SchemaBuilder
{
    public static ContentSchema Customer() =>
        new(CustomerProfile.ContentType, CustomerProfile.Components.ToDictionary(c => c.Key, StringComparer.Ordinal));

    public static ContentSchema For(ContentType type, params ComponentDefinition[] components) =>
        new(type, components.ToDictionary(c => c.Key, StringComparer.Ordinal));

    public static ContentType Type(string key, params FieldDefinition[] fields) =>
        new()
        {
            Key = key,
            DisplayName = key,
            Fields = [.. fields],
        };

    public static FieldDefinition Field(string name, FieldType type) => new() { Name = name, Type = type };

    /// <summary>A lookup over the given components and content type keys.</summary>
    public sealed class Lookup(IEnumerable<ComponentDefinition> components, params string[] types) : DefinitionRules.IDefinitionLookup
    {
        private readonly Dictionary<string, ComponentDefinition> _components = components.ToDictionary(c => c.Key, StringComparer.Ordinal);

        public ComponentDefinition? FindComponent(string key) => _components.GetValueOrDefault(key);

        public bool ContentTypeExists(string key) => types.Contains(key);

        public static Lookup Builtin() => new(CustomerProfile.Components, CustomerProfile.TypeKey);
    }
}
