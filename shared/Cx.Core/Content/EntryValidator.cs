using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Content;

/// <summary>Who is writing: clients cannot touch system-managed fields; the system can.</summary>
public enum WriteActor
{
    Client,
    System,
}

/// <summary>A relation value to check for existence: the target type, the id and where it was.</summary>
public readonly record struct RelationReference(string TargetType, string Id, string Pointer);

/// <summary>The outcome of validating an entry: normalised fields in declared order.</summary>
public sealed record ValidatedEntry(JsonObject Fields, IReadOnlyList<UniqueValue> UniqueValues, IReadOnlyList<RelationReference> Relations);

/// <summary>
/// Validates and normalises an entry body against a <see cref="ContentSchema"/>: unknown
/// fields, types, required, min/max, patterns, enumerations, components, dynamic zones,
/// relations, read-only (system-managed) fields. Every problem is reported with its JSON
/// Pointer; nothing is written when there is one.
/// </summary>
public static class EntryValidator
{
    /// <summary>Properties every stored entry carries; clients may send them back, they are ignored.</summary>
    public static readonly IReadOnlySet<string> MetadataProperties = new HashSet<string>(StringComparer.Ordinal)
    {
        "id",
        "type",
        "schemaVersion",
        "createdAt",
        "updatedAt",
    };

    public const int DefaultStringMaxLength = 255;

    public const int DefaultTextMaxLength = 100_000;

    public const int MaxJsonFieldBytes = 64 * 1024;

    public const int DefaultDecimalScale = 2;

    private const long MaxSafeInteger = 9_007_199_254_740_991;

    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <param name="schema">The content type with its components.</param>
    /// <param name="input">The request body (consumed: its nodes move into the result).</param>
    /// <param name="current">The stored fields, for a replace; read-only fields keep these values.</param>
    /// <param name="actor">Clients may not change system-managed fields.</param>
    public static ValidatedEntry Validate(ContentSchema schema, JsonObject input, JsonObject? current, WriteActor actor)
    {
        var context = new Context(schema);
        var fields = context.ValidateObject(
            schema.Type.Fields,
            input,
            "",
            current,
            actor,
            isTopLevel: true,
            ownerName: $"content type '{schema.Key}'"
        );
        if (context.Errors.Count > 0)
        {
            throw new ValidationException(context.Errors, $"The {schema.Key} entry is not valid.");
        }
        return new ValidatedEntry(fields, context.UniqueValues, context.Relations);
    }

    /// <summary>Validates one value against a field on its own (definition defaults, filter values).</summary>
    public static JsonNode? ValidateValue(
        ContentSchema? schema,
        FieldDefinition field,
        JsonNode? value,
        string pointer,
        List<FieldError> errors
    )
    {
        return new Context(schema, errors).ValidateField(field, value, pointer, null, WriteActor.System);
    }

    public static bool IsEmail(string value)
    {
        if (value.Length is < 3 or > 254 || value.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at > 64 || at != value.LastIndexOf('@') || at == value.Length - 1)
        {
            return false;
        }
        var domain = value.AsSpan(at + 1);
        return domain.Contains('.')
            && domain[0] != '.'
            && domain[^1] != '.'
            && System.Net.Mail.MailAddress.TryCreate(value, out var parsed)
            && string.Equals(parsed.Address, value, StringComparison.Ordinal);
    }

    internal static Regex GetPattern(string pattern) =>
        Patterns.GetOrAdd(pattern, static p => new Regex("^(?:" + p + ")$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)));

    /// <summary>One validation: its errors go to <paramref name="errors"/> (a new list when null); the other lists are made when first used.</summary>
    private sealed class Context(ContentSchema? schema, List<FieldError>? errors = null)
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

        private JsonNode? ValidateString(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "a string");
            }
            var text = value.GetValue<string>();
            var max = field.MaxLength ?? (field.Type == FieldType.Text ? DefaultTextMaxLength : DefaultStringMaxLength);
            if (text.Length > max)
            {
                return Add(pointer, "max-length", $"Must be at most {max} characters (got {text.Length}).");
            }
            if (field.MinLength is { } min && text.Length < min)
            {
                return Add(pointer, "min-length", $"Must be at least {min} characters.");
            }
            if (field.Pattern is { } pattern && !Matches(pattern, text, pointer))
            {
                return null;
            }
            return value;
        }

        private bool Matches(string pattern, string text, string pointer)
        {
            try
            {
                if (GetPattern(pattern).IsMatch(text))
                {
                    return true;
                }
                Add(pointer, "pattern", $"Must match the pattern {pattern}.");
            }
            catch (RegexMatchTimeoutException)
            {
                Add(pointer, "pattern-timeout", "The value took too long to check against the pattern.");
            }
            return false;
        }

        private JsonNode? ValidateEmail(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "an e-mail address string");
            }
            var email = value.GetValue<string>().Trim().ToLowerInvariant();
            if (!IsEmail(email))
            {
                return Add(pointer, "email", "Must be an e-mail address such as ana@example.com.");
            }
            if (field.Pattern is { } pattern && !Matches(pattern, email, pointer))
            {
                return null;
            }
            return JsonValue.Create(email);
        }

        private JsonNode? ValidateInteger(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue<long>(out var number))
            {
                if (
                    value.GetValueKind() == JsonValueKind.Number
                    && value.AsValue().TryGetValue<decimal>(out var d)
                    && d == decimal.Truncate(d)
                    && Math.Abs(d) <= MaxSafeInteger
                )
                {
                    number = (long)d;
                }
                else
                {
                    return Fail(pointer, "type", "a whole number");
                }
            }
            if (Math.Abs(number) > MaxSafeInteger)
            {
                return Add(pointer, "range", "Must be within ±9007199254740991.");
            }
            return CheckRange(field, number, pointer) ? JsonValue.Create(number) : null;
        }

        private JsonNode? ValidateNumber(FieldDefinition field, JsonNode value, string pointer)
        {
            if (
                value.GetValueKind() != JsonValueKind.Number
                || !value.AsValue().TryGetValue<double>(out var number)
                || !double.IsFinite(number)
            )
            {
                return Fail(pointer, "type", "a number");
            }
            return CheckRange(field, (decimal)Math.Clamp(number, (double)decimal.MinValue, (double)decimal.MaxValue), pointer)
                ? JsonValue.Create(number)
                : null;
        }

        private JsonNode? ValidateDecimal(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue<decimal>(out var number))
            {
                return Fail(pointer, "type", "a decimal number");
            }
            var scale = field.Scale ?? DefaultDecimalScale;
            if (number.Scale > scale && decimal.Round(number, scale) != number)
            {
                return Add(pointer, "scale", $"Must have at most {scale} digits after the decimal point.");
            }
            return CheckRange(field, number, pointer) ? JsonValue.Create(number) : null;
        }

        private bool CheckRange(FieldDefinition field, decimal number, string pointer)
        {
            if (field.Min is { } min && number < min)
            {
                Add(pointer, "min", $"Must be at least {min.ToString(CultureInfo.InvariantCulture)}.");
                return false;
            }
            if (field.Max is { } max && number > max)
            {
                Add(pointer, "max", $"Must be at most {max.ToString(CultureInfo.InvariantCulture)}.");
                return false;
            }
            return true;
        }

        private JsonNode? ValidateDateTime(JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "an ISO 8601 date-time string");
            }
            return Instants.TryParse(value.GetValue<string>(), out var instant)
                ? JsonValue.Create(Instants.Format(instant))
                : Add(pointer, "date-time", "Must be an ISO 8601 date or date-time, such as 2026-11-25T10:30:00Z.");
        }

        private JsonNode? ValidateEnumeration(FieldDefinition field, JsonNode value, string pointer)
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                return Fail(pointer, "type", "a string");
            }
            var text = value.GetValue<string>();
            foreach (var allowed in field.Values)
            {
                if (string.Equals(allowed, text, StringComparison.Ordinal))
                {
                    return value;
                }
            }
            return Add(pointer, "enum", $"Must be one of: {string.Join(", ", field.Values)}.");
        }

        private JsonNode? ValidateJson(JsonNode value, string pointer)
        {
            var size = JsonSerializer.SerializeToUtf8Bytes(value).Length;
            return size > MaxJsonFieldBytes
                ? Add(pointer, "max-size", $"Must be at most {MaxJsonFieldBytes} bytes of JSON (got {size}).")
                : value;
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

    private static bool HasField(IReadOnlyList<FieldDefinition> definitions, string name)
    {
        foreach (var definition in definitions)
        {
            if (string.Equals(definition.Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsEmpty(JsonNode? value) => value is null || value is JsonArray { Count: 0 };

    private static string UniqueText(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
}
