using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;
using Cx.Core.Common;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Requests;

/// <summary>
/// Reads an <c>application/x-www-form-urlencoded</c> body (the token endpoints) through
/// <see cref="RequestBody"/>: the same pooled buffer and size limit as JSON, chunked or not, so a
/// form can neither skip <see cref="HttpOptions.MaxBodyBytes"/> nor reach the framework's form
/// reader (whose own limits and multipart parsing end in 500s). Names and values are UTF-8 after
/// percent-decoding; anything else, or a name given twice, is a 400 naming the field.
/// </summary>
public static class RequestForm
{
    private static readonly string[] FormOnly = [RequestBody.Form];

    /// <summary>The fields of the form body; 415 unless it is URL-encoded UTF-8, 413 over the limit.</summary>
    public static async Task<Dictionary<string, string>> ReadAsync(
        HttpRequest request,
        HttpOptions options,
        CancellationToken cancellationToken
    )
    {
        RequestBody.CheckMediaType(request, FormOnly);
        using var body = await RequestBody.ReadAsync(request, options.MaxBodyBytes, cancellationToken);
        return Parse(body.Span);
    }

    /// <summary>Splits <c>name=value&amp;...</c>, decoding <c>+</c> and <c>%XX</c>; a malformed escape is kept as written.</summary>
    public static Dictionary<string, string> Parse(ReadOnlySpan<byte> form)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<FieldError>();
        while (!form.IsEmpty)
        {
            var end = form.IndexOf((byte)'&');
            var pair = end < 0 ? form : form[..end];
            form = end < 0 ? [] : form[(end + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }
            var equals = pair.IndexOf((byte)'=');
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = Decode(equals < 0 ? [] : pair[(equals + 1)..]);
            if (name is null)
            {
                errors.Add(new FieldError("", "encoding", "A field name is not UTF-8 text; send the form as percent-encoded UTF-8."));
            }
            else if (value is null)
            {
                errors.Add(
                    new FieldError(
                        JsonPointer.Append("", name),
                        "encoding",
                        $"'{name}' is not UTF-8 text; send the form as percent-encoded UTF-8."
                    )
                );
            }
            else if (!values.TryAdd(name, value))
            {
                errors.Add(new FieldError(JsonPointer.Append("", name), "repeated", $"'{name}' may appear once."));
            }
        }
        return errors.Count > 0 ? throw new ValidationException(errors, "The form is not valid.") : values;
    }

    /// <summary>The decoded text, or null when the decoded bytes are not UTF-8.</summary>
    private static string? Decode(ReadOnlySpan<byte> encoded)
    {
        Span<byte> decoded = encoded.Length <= 256 ? stackalloc byte[encoded.Length] : new byte[encoded.Length];
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var b = encoded[i];
            if (b == (byte)'+')
            {
                b = (byte)' ';
            }
            else if (
                b == (byte)'%'
                && i + 2 < encoded.Length
                && Utf8Parser.TryParse(encoded.Slice(i + 1, 2), out byte escaped, out var consumed, 'X')
                && consumed == 2
            )
            {
                b = escaped;
                i += 2;
            }
            decoded[length++] = b;
        }
        var text = decoded[..length];
        return Utf8.IsValid(text) ? Encoding.UTF8.GetString(text) : null;
    }
}
