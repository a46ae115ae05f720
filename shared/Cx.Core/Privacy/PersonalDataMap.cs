using Cx.Core.Content;
using Cx.Core.Profiles;

namespace Cx.Core.Privacy;

/// <summary>A field tagged as personal data: the content type, the field's path inside an entry (<c>preferences.timeZone</c>), its category.</summary>
public sealed record PersonalField(string Type, string Path, PersonalDataCategory Category);

/// <summary>
/// Where personal data sits in the content model: every field tagged <c>personal</c>, in the
/// types themselves and in the components they use (paths through single and repeatable
/// components alike), plus the relation fields that point at a customer (they say whose an
/// entry is). The built-in definitions of this version are merged in, so a store created before
/// a built-in field was tagged still treats it as personal.
/// </summary>
public sealed class PersonalDataMap
{
    private PersonalDataMap(IReadOnlyList<PersonalField> fields, IReadOnlyDictionary<string, IReadOnlyList<string>> customerRelations)
    {
        Fields = fields;
        CustomerRelations = customerRelations;
    }

    /// <summary>Every personal field, by type key then path.</summary>
    public IReadOnlyList<PersonalField> Fields { get; }

    /// <summary>Type key → its top-level, indexed, to-one relation fields whose target is the customer type.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> CustomerRelations { get; }

    public static PersonalDataMap Build(IEnumerable<ContentType> types, Func<string, ComponentDefinition?> findComponent)
    {
        var builtInTypes = ContentTypeRegistry.BuiltInTypes.ToDictionary(t => t.Key, StringComparer.Ordinal);
        var builtInComponents = ContentTypeRegistry.BuiltInComponents.ToDictionary(c => c.Key, StringComparer.Ordinal);
        var fields = new List<PersonalField>();
        var relations = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var type in types.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var paths = new SortedDictionary<string, PersonalDataCategory>(StringComparer.Ordinal);
            Walk(type.Fields, builtInTypes.GetValueOrDefault(type.Key)?.Fields, "", 0, paths);
            fields.AddRange(paths.Select(p => new PersonalField(type.Key, p.Key, p.Value)));
            var customer = type
                .Fields.Where(f =>
                    f.Type == FieldType.Relation
                    && !f.Many
                    && f.Indexed
                    && string.Equals(f.Target, CustomerProfile.TypeKey, StringComparison.Ordinal)
                )
                .Select(f => f.Name)
                .ToList();
            if (customer.Count > 0 && type.Kind == ContentKind.Collection)
            {
                relations[type.Key] = customer;
            }
        }
        return new PersonalDataMap(fields, relations);

        void Walk(
            IReadOnlyList<FieldDefinition> declared,
            IReadOnlyList<FieldDefinition>? builtIn,
            string prefix,
            int depth,
            SortedDictionary<string, PersonalDataCategory> paths
        )
        {
            foreach (var field in declared)
            {
                var path = prefix + field.Name;
                var category = field.Personal ?? builtIn?.FirstOrDefault(b => b.Name == field.Name)?.Personal;
                if (category is { } tagged)
                {
                    paths[path] = tagged;
                    continue; // The whole value is personal: nothing below needs its own tag.
                }
                if (field.Type == FieldType.Component && field.Component is { } key && depth < DefinitionRules.MaxComponentDepth)
                {
                    if (findComponent(key) is { } component)
                    {
                        Walk(component.Fields, builtInComponents.GetValueOrDefault(key)?.Fields, path + ".", depth + 1, paths);
                    }
                }
            }
        }
    }

    /// <summary>The personal paths of one type (empty when it holds none).</summary>
    public IReadOnlyList<PersonalField> Of(string type) => [.. Fields.Where(f => f.Type == type)];
}
