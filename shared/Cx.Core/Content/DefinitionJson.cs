using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Common;

namespace Cx.Core.Content;

/// <summary>
/// JSON settings for definition documents (content types, components): camelCase names and
/// enum values, unknown properties rejected (a misspelt <c>requried</c> is an error, not a
/// silently ignored key), defaults omitted on output.
/// </summary>
public static class DefinitionJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
            AllowDuplicateProperties = false,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            NumberHandling = JsonNumberHandling.Strict,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new EquatableArrayTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Deserializes a definition from a JSON element, turning serializer errors into a
    /// <see cref="ValidationException"/> with the JSON Pointer of the bad property and a detail
    /// in the API's terms (<see cref="JsonContractErrors"/>).
    /// </summary>
    public static T Deserialize<T>(JsonElement element)
        where T : class
    {
        try
        {
            return element.Deserialize<T>(Options)
                ?? throw new ValidationException(new FieldError("", "required", "A JSON object is required."));
        }
        catch (JsonException ex)
        {
            // The serializer's message names .NET types; the client is told in the API's terms.
            var pointer = ToPointer(ex.Path);
            throw new ValidationException(
                new FieldError(pointer, "invalid", JsonContractErrors.Describe(Options, typeof(T), element, pointer))
            );
        }
    }

    /// <summary>Converts a serializer path such as <c>$.fields[0].name</c> to <c>/fields/0/name</c>.</summary>
    public static string ToPointer(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "";
        }
        var pointer = new System.Text.StringBuilder();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            var c = path[i];
            if (c == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                pointer.Append('/').Append(path, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                var token = path.Substring(i + 1, end - i - 1).Trim('\'');
                pointer.Append('/').Append(token);
                i = end + 1;
            }
            else
            {
                i++;
            }
        }
        return pointer.ToString();
    }
}
