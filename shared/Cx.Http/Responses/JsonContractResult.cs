using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Cx.Core.Common;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Responses;

/// <summary>
/// A computed (not stored) JSON response: a serializer contract (a source-generated DTO) written
/// straight to the body with the API's writer settings, marked <c>no-store</c>.
/// </summary>
public sealed class JsonContractResult<T>(T value, JsonTypeInfo<T> contract, int statusCode = StatusCodes.Status200OK) : IResult
{
    public int StatusCode => statusCode;

    public T Value => value;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = DocumentResult.JsonContentType;
        response.Headers.CacheControl = "no-store";
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            JsonSerializer.Serialize(writer, value, contract);
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }
}

/// <summary>UTF-8 JSON that is already valid (stored event properties), written as it is.</summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson(ReadOnlyMemory<byte> Utf8);

/// <summary>Writes <see cref="RawJson"/> without parsing it; responses only.</summary>
public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("RawJson is written in responses, never read.");

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}
