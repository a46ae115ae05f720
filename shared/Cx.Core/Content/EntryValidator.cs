using System.Collections.Concurrent;
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
public static partial class EntryValidator
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
