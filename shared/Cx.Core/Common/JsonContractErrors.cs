using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cx.Core.Common;

/// <summary>
/// Says why a JSON value does not fit a serializer contract in the API's own terms: an unknown
/// property (and the ones the object takes), a value of the wrong JSON type (and the one
/// expected), a missing required property, a null where none is allowed. The serializer's own
/// messages name .NET types ("could not be converted to System.String"): they never reach a
/// client. The contract is walked along the error's pointer, beside the JSON that failed.
/// </summary>
public static class JsonContractErrors
{
    /// <summary>The detail for the value at <paramref name="pointer"/> of <paramref name="root"/>, read as <paramref name="type"/>.</summary>
    public static string Describe(JsonSerializerOptions options, Type type, JsonElement root, string pointer)
    {
        var info = options.GetTypeInfo(type);
        JsonPropertyInfo? property = null;
        JsonElement? value = root;
        foreach (var segment in Segments(pointer))
        {
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object:
                    property = info.Properties.FirstOrDefault(p => p.Name == segment);
                    if (property is null)
                    {
                        return $"'{segment}' is not a property here. {Takes(info)}";
                    }
                    info = options.GetTypeInfo(property.PropertyType);
                    break;
                case JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when info.ElementType is { } element:
                    property = null;
                    info = options.GetTypeInfo(element);
                    break;
                default:
                    return "This value is not valid here.";
            }
            value = value is { } current ? Child(current, segment) : null;
        }
        if (value is not { } found)
        {
            return "This value is not valid here.";
        }
        if (found.ValueKind == JsonValueKind.Null)
        {
            return $"Must not be null: {Expected(info)}.";
        }
        if (
            info.Kind == JsonTypeInfoKind.Object
            && found.ValueKind == JsonValueKind.Object
            && Missing(info, found) is { Count: > 0 } missing
        )
        {
            return $"Required: {string.Join(", ", missing.Select(m => "'" + m + "'"))}.";
        }
        var name = property is null ? "The value" : $"'{property.Name}'";
        var got =
            found.ValueKind == JsonValueKind.String && IsEnum(info)
                ? $"'{Shorten(found.GetString()!)}' is not one of them"
                : "it is " + KindOf(found);
        return $"{name} must be {Expected(info)}; {got}.";
    }

    private static IEnumerable<string> Segments(string pointer) =>
        pointer.Length == 0
            ? []
            : pointer[1..]
                .Split('/')
                .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));

    private static JsonElement? Child(JsonElement element, string segment) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => element.TryGetProperty(segment, out var child) ? child : null,
            JsonValueKind.Array when int.TryParse(segment, out var index) && index >= 0 && index < element.GetArrayLength() => element[
                index
            ],
            _ => null,
        };

    private static string Takes(JsonTypeInfo info) =>
        info.Properties.Count == 0
            ? "This object takes no properties."
            : $"This object takes {string.Join(", ", info.Properties.Select(p => p.Name))}.";

    /// <summary>The required properties (required members, constructor parameters without a default) absent from <paramref name="element"/>.</summary>
    private static List<string> Missing(JsonTypeInfo info, JsonElement element) =>
        [
            .. info
                .Properties.Where(p =>
                    (p.IsRequired || p.AssociatedParameter is { HasDefaultValue: false }) && !element.TryGetProperty(p.Name, out _)
                )
                .Select(p => p.Name),
        ];

    private static bool IsEnum(JsonTypeInfo info) => (Nullable.GetUnderlyingType(info.Type) ?? info.Type).IsEnum;

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";

    private static string Expected(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(n => info.Options.PropertyNamingPolicy?.ConvertName(n) ?? n);
            return "one of " + string.Join(", ", names);
        }
        return info.Kind switch
        {
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            JsonTypeInfoKind.Enumerable => "an array",
            _ => Type.GetTypeCode(type) switch
            {
                TypeCode.String or TypeCode.Char => "a string",
                TypeCode.Boolean => "true or false",
                TypeCode.Byte
                or TypeCode.SByte
                or TypeCode.Int16
                or TypeCode.UInt16
                or TypeCode.Int32
                or TypeCode.UInt32
                or TypeCode.Int64
                or TypeCode.UInt64 => string.Create(
                    CultureInfo.InvariantCulture,
                    $"a whole number from {type.GetField("MinValue")!.GetValue(null)} to {type.GetField("MaxValue")!.GetValue(null)}"
                ),
                TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
                TypeCode.DateTime => "an ISO 8601 date-time string",
                _ when type == typeof(DateTimeOffset) => "an ISO 8601 date-time string",
                _ when type == typeof(TimeSpan) => "a duration string",
                _ when type == typeof(Guid) => "a UUID string",
                _ => "a value of another form",
            },
        };
    }

    private static string KindOf(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };
}
