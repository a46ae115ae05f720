using Cx.Core.Common;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Requests;

/// <summary>
/// The query-string rules every endpoint shares: writes take no parameters, single-document
/// reads take only <c>fields</c>, and a read with its own parameters names them. Unknown or
/// repeated parameters are 400 problems naming the parameter, never silently ignored.
/// </summary>
public static class QueryParameters
{
    /// <summary>Writes take no query parameters; a stray one is an error rather than silently ignored.</summary>
    public static void RejectAny(HttpRequest request)
    {
        if (request.Query.Count > 0)
        {
            throw new ValidationException(
                [
                    .. request.Query.Keys.Select(k => new FieldError(
                        k,
                        "unknown-parameter",
                        "This operation takes no query parameters.",
                        ErrorLocation.Query
                    )),
                ],
                "The query string is not valid."
            );
        }
    }

    /// <summary>Reads <c>fields</c>, the only query parameter a single-document read takes.</summary>
    public static IReadOnlyList<string>? ReadFields(HttpRequest request)
    {
        IReadOnlyList<string>? fields = null;
        var errors = new List<FieldError>();
        foreach (var (name, values) in request.Query)
        {
            if (name == "fields" && values.Count == 1)
            {
                fields = (values[0] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            }
            else
            {
                errors.Add(new(name, "unknown-parameter", "Only 'fields' (once) is accepted here.", ErrorLocation.Query));
            }
        }
        return errors.Count > 0 ? throw new ValidationException(errors, "The query string is not valid.") : fields;
    }

    /// <summary>The parameters of a read that takes only <paramref name="allowed"/>, each at most once.</summary>
    public static Dictionary<string, string> Read(HttpRequest request, IReadOnlyList<string> allowed)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<FieldError>();
        foreach (var (name, value) in request.Query)
        {
            if (!allowed.Contains(name))
            {
                errors.Add(
                    new FieldError(name, "unknown-parameter", $"Unknown parameter. Use {string.Join(", ", allowed)}.", ErrorLocation.Query)
                );
            }
            else if (value.Count != 1)
            {
                errors.Add(new FieldError(name, "repeated", $"'{name}' may appear once.", ErrorLocation.Query));
            }
            else
            {
                values[name] = value[0] ?? "";
            }
        }
        return errors.Count > 0 ? throw new ValidationException(errors, "The query string is not valid.") : values;
    }
}
