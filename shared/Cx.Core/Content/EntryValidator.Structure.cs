using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Content;

public static partial class EntryValidator
{
    /// <summary>One validation pass: the structure (objects, fields, relations, components, dynamic zones) and the errors it collects.</summary>
    private sealed partial class Context(ContentSchema? schema, List<FieldError>? errors = null)
    {
        public List<FieldError> Errors { get; } = errors ?? [];

        public List<UniqueValue> UniqueValues => field ??= [];

        public List<RelationReference> Relations => field ??= [];

        private int _depth;

        public JsonObject ValidateObject(
            IReadOnlyList<FieldDefinition> definitions,
            JsonObject input,
            string pointer,
            JsonObject? current,
            WriteActor actor,
            bool isTopLevel,
            string ownerName
        )
        {
            var output = new JsonObject();
            foreach (var property in input)
            {
                if (isTopLevel && MetadataProperties.Contains(property.Key))
                {
                    continue;
                }
                if (!isTopLevel && property.Key == "__component")
                {
                    continue;
                }
                if (!HasField(definitions, property.Key))
                {
                    Errors.Add(
                        new FieldError(
                            JsonPointer.Append(pointer, property.Key),
                            "unknown-field",
                            $"'{property.Key}' is not a field of {ownerName}."
                        )
                    );
                }
            }
            foreach (var field in definitions)
            {
                var fieldPointer = JsonPointer.Append(pointer, field.Name);
                input.TryGetPropertyValue(field.Name, out var value);
                if (value is not null)
                {
                    input.Remove(field.Name);
                }
                JsonNode? existing = null;
                current?.TryGetPropertyValue(field.Name, out existing);

                if (field.SystemManaged && actor == WriteActor.Client)
                {
                    if (!IsEmpty(value) && !JsonNode.DeepEquals(value, existing))
                    {
                        Errors.Add(
                            new FieldError(fieldPointer, "read-only", $"'{field.Name}' is managed by Cx and cannot be set by clients.")
                        );
                    }
                    if (existing is not null)
                    {
                        output[field.Name] = existing.DeepClone();
                    }
                    continue;
                }

                if (value is null && field.Default is not null)
                {
                    value = JsonNode.Parse(field.Default.Json);
                }
                if (value is null)
                {
                    if (field.Required)
                    {
                        Errors.Add(new FieldError(fieldPointer, "required", $"'{field.Name}' is required."));
                    }
                    continue;
                }
                var normalised = ValidateField(field, value, fieldPointer, existing, actor);
                if (normalised is not null)
                {
                    output[field.Name] = normalised;
                    if (isTopLevel && field.Unique && schema is not null)
                    {
                        UniqueValues.Add(new UniqueValue(schema.Key + "." + field.Name, UniqueText(normalised)));
                    }
                }
            }
            return output;
        }

        public JsonNode? ValidateField(FieldDefinition field, JsonNode? value, string pointer, JsonNode? existing, WriteActor actor)
        {
            if (value is null)
            {
                return null;
            }
            switch (field.Type)
            {
                case FieldType.String:
                case FieldType.Text:
                    return ValidateString(field, value, pointer);
                case FieldType.Email:
                    return ValidateEmail(field, value, pointer);
                case FieldType.Integer:
                    return ValidateInteger(field, value, pointer);
                case FieldType.Number:
                    return ValidateNumber(field, value, pointer);
                case FieldType.Decimal:
                    return ValidateDecimal(field, value, pointer);
                case FieldType.Boolean:
                    return value.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? value : Fail(pointer, "type", "a boolean");
                case FieldType.DateTime:
                    return ValidateDateTime(value, pointer);
                case FieldType.Enumeration:
                    return ValidateEnumeration(field, value, pointer);
                case FieldType.Json:
                    return ValidateJson(value, pointer);
                case FieldType.Relation:
                    return ValidateRelation(field, value, pointer);
                case FieldType.Component:
                    return ValidateComponentField(field, value, pointer, existing, actor);
                case FieldType.DynamicZone:
                    return ValidateDynamicZone(field, value, pointer, actor);
                default:
                    return Fail(pointer, "type", "a supported value");
            }
        }

        private JsonNode? ValidateRelation(FieldDefinition field, JsonNode value, string pointer)
        {
            var target = field.Target ?? "";
            if (!field.Many)
            {
                if (value.GetValueKind() != JsonValueKind.String || !Ids.IsValidClientId(value.GetValue<string>()))
                {
                    return Fail(pointer, "type", $"the id (string) of a '{target}' entry");
                }
                Relations.Add(new RelationReference(target, value.GetValue<string>(), pointer));
                return value;
            }
            if (value is not JsonArray array)
            {
                return Fail(pointer, "type", $"an array of '{target}' ids");
            }
            if (!CheckCount(field, array.Count, pointer))
            {
                return null;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                var itemPointer = JsonPointer.Append(pointer, i);
                var item = array[i];
                if (item?.GetValueKind() != JsonValueKind.String || !Ids.IsValidClientId(item.GetValue<string>()))
                {
                    Fail(itemPointer, "type", $"the id (string) of a '{target}' entry");
                }
                else if (!seen.Add(item.GetValue<string>()))
                {
                    Add(itemPointer, "duplicate", "The same id appears twice.");
                }
                else
                {
                    Relations.Add(new RelationReference(target, item.GetValue<string>(), itemPointer));
                }
            }
            return value;
        }

        private JsonNode? ValidateComponentField(
            FieldDefinition field,
            JsonNode value,
            string pointer,
            JsonNode? existing,
            WriteActor actor
        )
        {
            if (schema is null || field.Component is null || !schema.Components.TryGetValue(field.Component, out var component))
            {
                return Add(pointer, "schema", $"Component '{field.Component}' is not defined.");
            }
            if (!field.Repeatable)
            {
                return value is JsonObject obj
                    ? ValidateComponent(component, obj, pointer, existing as JsonObject, actor)
                    : Fail(pointer, "type", $"an object ({component.Key})");
            }
            if (value is not JsonArray array)
            {
                return Fail(pointer, "type", $"an array of {component.Key} objects");
            }
            var items = array.ToList();
            array.Clear();
            if (field.MaxItems is { } max && items.Count > max && field.Overflow == OverflowPolicy.DropOldest)
            {
                items = items.GetRange(items.Count - max, max);
            }
            if (!CheckCount(field, items.Count, pointer))
            {
                return null;
            }
            var output = new JsonArray();
            for (var i = 0; i < items.Count; i++)
            {
                var itemPointer = JsonPointer.Append(pointer, i);
                if (items[i] is JsonObject item)
                {
                    output.Add(ValidateComponent(component, item, itemPointer, null, actor));
                }
                else
                {
                    Fail(itemPointer, "type", $"an object ({component.Key})");
                }
            }
            return output;
        }

        private JsonNode? ValidateDynamicZone(FieldDefinition field, JsonNode value, string pointer, WriteActor actor)
        {
            if (value is not JsonArray array)
            {
                return Fail(pointer, "type", "an array of component objects");
            }
            if (!CheckCount(field, array.Count, pointer))
            {
                return null;
            }
            var items = array.ToList();
            array.Clear();
            var output = new JsonArray();
            for (var i = 0; i < items.Count; i++)
            {
                var itemPointer = JsonPointer.Append(pointer, i);
                if (items[i] is not JsonObject item)
                {
                    Fail(itemPointer, "type", "an object with a __component key");
                    continue;
                }
                var key = item["__component"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
                if (
                    key is null
                    || !field.Components.Contains(key)
                    || schema is null
                    || !schema.Components.TryGetValue(key, out var component)
                )
                {
                    Add(
                        JsonPointer.Append(itemPointer, "__component"),
                        "component",
                        $"Must name one of the zone's components: {string.Join(", ", field.Components)}."
                    );
                    continue;
                }
                var validated = ValidateComponent(component, item, itemPointer, null, actor);
                var tagged = new JsonObject { ["__component"] = key };
                foreach (var property in validated.ToList())
                {
                    validated.Remove(property.Key);
                    tagged[property.Key] = property.Value;
                }
                output.Add(tagged);
            }
            return output;
        }

        private JsonObject ValidateComponent(
            ComponentDefinition component,
            JsonObject value,
            string pointer,
            JsonObject? existing,
            WriteActor actor
        )
        {
            if (++_depth > DefinitionRules.MaxComponentDepth)
            {
                _depth--;
                Add(pointer, "depth", "Components are nested too deeply.");
                return [];
            }
            var result = ValidateObject(
                component.Fields,
                value,
                pointer,
                existing,
                actor,
                isTopLevel: false,
                ownerName: $"component '{component.Key}'"
            );
            _depth--;
            return result;
        }

        private bool CheckCount(FieldDefinition field, int count, string pointer)
        {
            if (field.MinItems is { } min && count < min)
            {
                Add(pointer, "min-items", $"Must have at least {min} items.");
                return false;
            }
            if (field.MaxItems is { } max && count > max)
            {
                Add(pointer, "max-items", $"Must have at most {max} items (got {count}).");
                return false;
            }
            return true;
        }

        private JsonNode? Fail(string pointer, string code, string expected) => Add(pointer, code, $"Must be {expected}.");

        private JsonNode? Add(string pointer, string code, string detail)
        {
            Errors.Add(new FieldError(pointer, code, detail));
            return null;
        }
    }
}
