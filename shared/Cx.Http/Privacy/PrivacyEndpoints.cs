using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Privacy;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Privacy;

/// <summary>
/// Privacy requests over HTTP (access and erasure). Everything that can be wrong with the request (unknown or repeated
/// parameters, the format, an unknown customer) is a 4xx before the first byte; the bundle then
/// streams section by section.
/// </summary>
public sealed class PrivacyEndpoints(PrivacyAccessService access, PrivacyErasureService erasure, IOptions<HttpOptions> httpOptions)
{
    /// <summary>
    /// An erasure request. The body must confirm the customer id (<c>{"confirm": "&lt;customerId&gt;"}</c>),
    /// so a mistyped route or a replayed request for another id cannot erase anyone.
    /// </summary>
    public async Task<IResult> EraseAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var (name, _) in body)
        {
            if (name != "confirm")
            {
                errors.Add(new("/" + name, "unknown-property", "The body has one property: confirm."));
            }
        }
        if (body["confirm"] is not JsonValue confirm || !confirm.TryGetValue<string>(out var confirmed))
        {
            errors.Add(new("/confirm", "required", "confirm: the customer id, as a string, to confirm the erasure."));
        }
        else if (!string.Equals(confirmed, customerId, StringComparison.Ordinal))
        {
            errors.Add(new("/confirm", "confirm-mismatch", "confirm must be the customer id of the route."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The erasure request is not valid.");
        }
        var proof = await erasure.EraseAsync(customerId, cancellationToken);
        return new JsonWriterResult(StatusCodes.Status200OK, writer => JsonSerializer.Serialize(writer, proof, CxJson.SerializerOptions));
    }

    public async Task<IResult> GetPersonalDataAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        string? format = null;
        foreach (var (name, values) in request.Query)
        {
            if (name != "format")
            {
                errors.Add(new(name, "unknown-parameter", "An access request takes format (json or csv) only.", ErrorLocation.Query));
            }
            else if (values.Count != 1)
            {
                errors.Add(new(name, "repeated", "'format' may appear once.", ErrorLocation.Query));
            }
            else
            {
                format = values[0];
            }
        }
        var csv = format switch
        {
            null or "json" => false,
            "csv" => true,
            _ => AddError(errors, new("format", "value", "format is json or csv.", ErrorLocation.Query)),
        };
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        var bundle = await access.PlanAsync(customerId, cancellationToken);
        return new BundleResult(bundle, csv);
    }

    private static bool AddError(List<FieldError> errors, FieldError error)
    {
        errors.Add(error);
        return false;
    }

    private sealed class BundleResult(PersonalDataBundle bundle, bool csv) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = csv ? "application/zip" : "application/json";
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentDisposition =
                $"attachment; filename=\"personal-data-{Sanitize(bundle.CustomerId)}.{(csv ? "zip" : "json")}\"";
            var cancellationToken = httpContext.RequestAborted;
            try
            {
                if (csv)
                {
                    await PersonalDataWriter.WriteCsvZipAsync(response.Body, bundle, cancellationToken);
                }
                else
                {
                    await PersonalDataWriter.WriteJsonAsync(response.Body, bundle, cancellationToken);
                }
            }
            catch when (response.HasStarted)
            {
                // A bundle that cannot be finished must not look finished: abort the connection.
                httpContext.Abort();
                throw;
            }
        }

        private static string Sanitize(string id) => new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
    }
}
