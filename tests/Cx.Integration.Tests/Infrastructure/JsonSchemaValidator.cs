using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cx.Integration.Tests.Infrastructure;

/// <summary>One way an instance breaks a schema: where in the instance, where in the schema, and what.</summary>
public sealed record SchemaError(string InstancePath, string SchemaPath, string Message)
{
    public override string ToString() => $"{(InstancePath.Length == 0 ? "(root)" : InstancePath)}: {Message} [{SchemaPath}]";
}

/// <summary>
/// A JSON Schema (2020-12, as OpenAPI 3.1 uses it) validator for exactly the keywords the
/// Cx document generator emits: type (a name or a list), enum, const, properties, required,
/// additionalProperties, items, minItems, maxItems, uniqueItems, minLength, maxLength
/// (code points), pattern, format (email, date-time, uuid), minimum, maximum, allOf, anyOf,
/// oneOf and local $ref (with sibling keywords). Annotations are skipped; any other keyword
/// throws, so the generator can never emit a constraint this validator silently ignores.
/// </summary>
public sealed partial class JsonSchemaValidator(JsonElement root)
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title",
        "description",
        "default",
        "readOnly",
        "writeOnly",
        "deprecated",
        "examples",
        "example",
        "discriminator",
        "$comment",
        "externalDocs",
    };

    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeFormat();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailFormat();

    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex UuidFormat();

    /// <summary>The document that local references (<c>#/components/schemas/X</c>) resolve in.</summary>
    public JsonElement Root { get; } = root;

    public IReadOnlyList<SchemaError> Validate(JsonElement instance, JsonElement schema, string schemaPath = "#")
    {
        var errors = new List<SchemaError>();
        Check(instance, schema, "", schemaPath, errors, depth: 0);
        return errors;
    }

    /// <summary>Validates against the schema at a JSON Pointer of <see cref="Root"/> (<c>#/components/schemas/CustomerEntry</c>).</summary>
    public IReadOnlyList<SchemaError> Validate(JsonElement instance, string schemaReference) =>
        Validate(instance, Resolve(schemaReference), schemaReference);

    /// <summary>The element a local reference points to.</summary>
    public JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith('#'))
        {
            throw new NotSupportedException($"Only local references are supported, not '{reference}'.");
        }
        var current = Root;
        foreach (var raw in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var token = Uri.UnescapeDataString(raw)
                .Replace("~1", "/", StringComparison.Ordinal)
                .Replace("~0", "~", StringComparison.Ordinal);
            current = current.ValueKind switch
            {
                JsonValueKind.Object when current.TryGetProperty(token, out var next) => next,
                JsonValueKind.Array
                    when int.TryParse(token, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength() => current[
                    index
                ],
                _ => throw new InvalidOperationException($"The reference '{reference}' does not resolve (at '{token}')."),
            };
        }
        return current;
    }

    private void Check(JsonElement instance, JsonElement schema, string path, string schemaPath, List<SchemaError> errors, int depth)
    {
        if (depth > 64)
        {
            throw new InvalidOperationException($"Schema references nest deeper than 64 at {schemaPath}; is there a cycle?");
        }
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return;
            case JsonValueKind.False:
                errors.Add(new(path, schemaPath, "No value is allowed here."));
                return;
            case JsonValueKind.Object:
                break;
            default:
                throw new InvalidOperationException($"{schemaPath} is not a schema.");
        }
        foreach (var keyword in schema.EnumerateObject())
        {
            var at = schemaPath + "/" + keyword.Name;
            var value = keyword.Value;
            switch (keyword.Name)
            {
                case "$ref":
                    var reference = value.GetString()!;
                    Check(instance, Resolve(reference), path, reference, errors, depth + 1);
                    break;
                case "type":
                    CheckType(instance, value, path, at, errors);
                    break;
                case "enum":
                    if (!value.EnumerateArray().Any(v => JsonElement.DeepEquals(v, instance)))
                    {
                        errors.Add(new(path, at, $"{Show(instance)} is not one of {value.GetRawText()}."));
                    }
                    break;
                case "const":
                    if (!JsonElement.DeepEquals(value, instance))
                    {
                        errors.Add(new(path, at, $"{Show(instance)} is not {value.GetRawText()}."));
                    }
                    break;
                case "properties":
                    if (instance.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var property in value.EnumerateObject())
                        {
                            if (instance.TryGetProperty(property.Name, out var member))
                            {
                                Check(
                                    member,
                                    property.Value,
                                    Pointer(path, property.Name),
                                    at + "/" + Escape(property.Name),
                                    errors,
                                    depth + 1
                                );
                            }
                        }
                    }
                    break;
                case "required":
                    if (instance.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var name in value.EnumerateArray().Select(n => n.GetString()!))
                        {
                            if (!instance.TryGetProperty(name, out _))
                            {
                                errors.Add(new(path, at, $"The required property '{name}' is missing."));
                            }
                        }
                    }
                    break;
                case "additionalProperties":
                    if (instance.ValueKind == JsonValueKind.Object)
                    {
                        var declared = schema.TryGetProperty("properties", out var properties) ? properties : default;
                        foreach (var member in instance.EnumerateObject())
                        {
                            if (declared.ValueKind == JsonValueKind.Object && declared.TryGetProperty(member.Name, out _))
                            {
                                continue;
                            }
                            if (value.ValueKind == JsonValueKind.False)
                            {
                                errors.Add(new(Pointer(path, member.Name), at, $"The property '{member.Name}' is not allowed here."));
                            }
                            else
                            {
                                Check(member.Value, value, Pointer(path, member.Name), at, errors, depth + 1);
                            }
                        }
                    }
                    break;
                case "items":
                    if (instance.ValueKind == JsonValueKind.Array)
                    {
                        var index = 0;
                        foreach (var item in instance.EnumerateArray())
                        {
                            Check(item, value, Pointer(path, index.ToString(CultureInfo.InvariantCulture)), at, errors, depth + 1);
                            index++;
                        }
                    }
                    break;
                case "minItems":
                    if (instance.ValueKind == JsonValueKind.Array && instance.GetArrayLength() < value.GetInt32())
                    {
                        errors.Add(new(path, at, $"Has {instance.GetArrayLength()} items; at least {value.GetInt32()} are required."));
                    }
                    break;
                case "maxItems":
                    if (instance.ValueKind == JsonValueKind.Array && instance.GetArrayLength() > value.GetInt32())
                    {
                        errors.Add(new(path, at, $"Has {instance.GetArrayLength()} items; at most {value.GetInt32()} are allowed."));
                    }
                    break;
                case "uniqueItems":
                    if (instance.ValueKind == JsonValueKind.Array && value.ValueKind == JsonValueKind.True)
                    {
                        var items = instance.EnumerateArray().ToList();
                        for (var i = 0; i < items.Count; i++)
                        {
                            if (items.Skip(i + 1).Any(other => JsonElement.DeepEquals(items[i], other)))
                            {
                                errors.Add(new(path, at, $"The item {Show(items[i])} appears more than once."));
                                break;
                            }
                        }
                    }
                    break;
                case "minLength":
                    if (instance.ValueKind == JsonValueKind.String && Length(instance) < value.GetInt32())
                    {
                        errors.Add(new(path, at, $"Is {Length(instance)} characters long; at least {value.GetInt32()} are required."));
                    }
                    break;
                case "maxLength":
                    if (instance.ValueKind == JsonValueKind.String && Length(instance) > value.GetInt32())
                    {
                        errors.Add(new(path, at, $"Is {Length(instance)} characters long; at most {value.GetInt32()} are allowed."));
                    }
                    break;
                case "pattern":
                    if (instance.ValueKind == JsonValueKind.String && !Pattern(value.GetString()!).IsMatch(instance.GetString()!))
                    {
                        errors.Add(new(path, at, $"{Show(instance)} does not match {value.GetString()}."));
                    }
                    break;
                case "format":
                    CheckFormat(instance, value.GetString()!, path, at, errors);
                    break;
                case "minimum":
                    if (instance.ValueKind == JsonValueKind.Number && Compare(instance, value) < 0)
                    {
                        errors.Add(new(path, at, $"{instance.GetRawText()} is less than the minimum {value.GetRawText()}."));
                    }
                    break;
                case "maximum":
                    if (instance.ValueKind == JsonValueKind.Number && Compare(instance, value) > 0)
                    {
                        errors.Add(new(path, at, $"{instance.GetRawText()} is more than the maximum {value.GetRawText()}."));
                    }
                    break;
                case "allOf":
                    var part = 0;
                    foreach (var branch in value.EnumerateArray())
                    {
                        Check(instance, branch, path, $"{at}/{part++}", errors, depth + 1);
                    }
                    break;
                case "anyOf":
                case "oneOf":
                    CheckChoice(instance, value, keyword.Name == "oneOf", path, at, errors, depth);
                    break;
                default:
                    if (!Annotations.Contains(keyword.Name) && !keyword.Name.StartsWith("x-", StringComparison.Ordinal))
                    {
                        throw new NotSupportedException(
                            $"The keyword '{keyword.Name}' at {at} is not supported by this validator; teach it the keyword before the generator emits it."
                        );
                    }
                    break;
            }
        }
    }

    private void CheckChoice(
        JsonElement instance,
        JsonElement branches,
        bool exactlyOne,
        string path,
        string at,
        List<SchemaError> errors,
        int depth
    )
    {
        var failures = new List<(int Index, IReadOnlyList<SchemaError> Errors)>();
        var passed = new List<int>();
        var index = 0;
        foreach (var branch in branches.EnumerateArray())
        {
            var branchErrors = new List<SchemaError>();
            Check(instance, branch, path, $"{at}/{index}", branchErrors, depth + 1);
            if (branchErrors.Count == 0)
            {
                passed.Add(index);
            }
            else
            {
                failures.Add((index, branchErrors));
            }
            index++;
        }
        if (passed.Count == 0)
        {
            var reasons = string.Join(" | ", failures.Select(f => $"#{f.Index}: " + string.Join("; ", f.Errors.Take(3))));
            errors.Add(new(path, at, $"Matches none of the {index} alternatives ({reasons})."));
        }
        else if (exactlyOne && passed.Count > 1)
        {
            errors.Add(
                new(
                    path,
                    at,
                    $"Matches {passed.Count} alternatives ({string.Join(", ", passed.Select(p => "#" + p))}); oneOf needs exactly one."
                )
            );
        }
    }

    private static void CheckType(JsonElement instance, JsonElement type, string path, string at, List<SchemaError> errors)
    {
        var names =
            type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
        if (!names.Any(name => IsOfType(instance, name)))
        {
            errors.Add(new(path, at, $"{Show(instance)} is not of type {string.Join(" or ", names)}."));
        }
    }

    private static bool IsOfType(JsonElement instance, string name) =>
        name switch
        {
            "object" => instance.ValueKind == JsonValueKind.Object,
            "array" => instance.ValueKind == JsonValueKind.Array,
            "string" => instance.ValueKind == JsonValueKind.String,
            "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "null" => instance.ValueKind == JsonValueKind.Null,
            "number" => instance.ValueKind == JsonValueKind.Number,
            "integer" => instance.ValueKind == JsonValueKind.Number && IsInteger(instance),
            _ => throw new NotSupportedException($"Unknown JSON Schema type '{name}'."),
        };

    private static bool IsInteger(JsonElement number) =>
        number.TryGetDecimal(out var value) ? value == decimal.Truncate(value) : double.IsInteger(number.GetDouble());

    private static void CheckFormat(JsonElement instance, string format, string path, string at, List<SchemaError> errors)
    {
        if (instance.ValueKind != JsonValueKind.String)
        {
            return;
        }
        var text = instance.GetString()!;
        var valid = format switch
        {
            "date-time" => DateTimeFormat().IsMatch(text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _),
            "email" => EmailFormat().IsMatch(text),
            "uuid" => UuidFormat().IsMatch(text),
            _ => true, // Other formats are annotations in JSON Schema 2020-12.
        };
        if (!valid)
        {
            errors.Add(new(path, at, $"{Show(instance)} is not a valid {format}."));
        }
    }

    private static int Compare(JsonElement instance, JsonElement limit) =>
        instance.TryGetDecimal(out var a) && limit.TryGetDecimal(out var b)
            ? a.CompareTo(b)
            : instance.GetDouble().CompareTo(limit.GetDouble());

    /// <summary>JSON Schema counts characters as Unicode code points, not UTF-16 units.</summary>
    private static int Length(JsonElement text) => text.GetString()!.EnumerateRunes().Count();

    private static Regex Pattern(string pattern) =>
        Patterns.GetOrAdd(pattern, static p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    private static string Pointer(string path, string token) => path + "/" + Escape(token);

    private static string Escape(string token) =>
        token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Show(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 80 ? text[..77] + "..." : text;
    }
}
