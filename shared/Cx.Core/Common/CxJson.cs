using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cx.Core.Common;

/// <summary>
/// JSON writing settings shared by stored documents and responses: readable text (no
/// <c>\u0027</c> for an apostrophe, no escapes for non-ASCII names). Bodies are always served
/// as <c>application/json</c>, never embedded in HTML, so the relaxed encoder is safe.
/// </summary>
public static class CxJson
{
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonSerializerOptions SerializerOptions { get; } = CreateSerializerOptions();

    private static JsonSerializerOptions CreateSerializerOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
