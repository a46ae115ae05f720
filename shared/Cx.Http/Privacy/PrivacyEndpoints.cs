using Cx.Core.Common;
using Cx.Core.Privacy;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Privacy;

/// <summary>
/// Privacy requests over HTTP. Everything that can be wrong with the request (unknown or repeated
/// parameters, the format, an unknown customer) is a 4xx before the first byte; the bundle then
/// streams section by section.
/// </summary>
public sealed class PrivacyEndpoints(PrivacyAccessService access)
{
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
