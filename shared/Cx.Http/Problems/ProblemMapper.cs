using System.Diagnostics;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Problems;

/// <summary>What a problem response says: status, stable type, title, detail and field errors.</summary>
public sealed record Problem(int Status, string Code, string Title, string Detail, IReadOnlyList<FieldError> Errors)
{
    public const string TypePrefix = "urn:cx:problem:";

    public string Type => TypePrefix + Code;
}

/// <summary>
/// The one mapping from exceptions to RFC 9457 problem details, used by the worker
/// middleware and the DevHost alike. Unknown exceptions become a 500 that reveals nothing
/// but a trace id.
/// </summary>
public static class ProblemMapper
{
    public const string ContentType = "application/problem+json";

    public static Problem Map(Exception exception) =>
        exception switch
        {
            MalformedJsonException e => new(400, e.Code, "Malformed JSON", e.Message, e.Errors),
            ValidationException e => new(400, e.Code, "Validation failed", e.Message, e.Errors),
            NotFoundException e => new(404, e.Code, "Not found", e.Message, []),
            UniqueValueTakenException e => new(
                409,
                e.Code,
                "Conflict",
                e.Message,
                [new FieldError(UniquePointer(e.Value.Scope), "unique", $"This value is already used by another entry.")]
            ),
            ConflictException e => new(409, e.Code, "Conflict", e.Message, e.Errors),
            PreconditionFailedException e => new(412, e.Code, "Precondition failed", e.Message, []),
            UnauthorizedException { Error: UnauthorizedException.InvalidGrant } e => new(
                400,
                "invalid-grant",
                "Invalid grant",
                e.Message,
                []
            ),
            UnauthorizedException e => new(401, e.Code, "Unauthorized", e.Message, []),
            ForbiddenException e => new(403, e.Code, "Forbidden", e.Message, []),
            Security.TooManyRequestsException e => new(429, e.Code, "Too many requests", e.Message, []),
            PayloadTooLargeException e => new(413, e.Code, "Payload too large", e.Message, []),
            UnsupportedMediaTypeException e => new(415, e.Code, "Unsupported media type", e.Message, []),
            BadHttpRequestException e when e.StatusCode == 413 => new(
                413,
                "payload-too-large",
                "Payload too large",
                "The request body is too large.",
                []
            ),
            BadHttpRequestException e => new(e.StatusCode, "bad-request", "Bad request", "The request could not be read.", []),
            _ => new(
                500,
                "internal-error",
                "Internal error",
                "Something went wrong on our side. Quote the trace id when you report it.",
                []
            ),
        };

    /// <summary>
    /// The problem for a request the server rejected before the application saw it: a request line
    /// or header that is not valid HTTP, such as a path holding an encoded NUL.
    /// </summary>
    public static Problem MapRejection(BadHttpRequestException? rejection) =>
        (rejection?.StatusCode ?? 400) switch
        {
            400 => new(
                400,
                "bad-request",
                "Bad request",
                "The request line or a header is not valid HTTP, for example a path holding an encoded NUL (%00).",
                []
            ),
            413 => new(413, "payload-too-large", "Payload too large", "The request body is too large.", []),
            var status => new(status, "http-" + status, "HTTP " + status, "The server could not read the request.", []),
        };

    /// <summary>A unique scope is <c>type.field</c>; the pointer is the field.</summary>
    private static string UniquePointer(string scope)
    {
        var dot = scope.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? "" : JsonPointer.FromDotted(scope[(dot + 1)..]);
    }

    /// <summary>Writes the problem for <paramref name="exception"/> unless the response has started.</summary>
    public static async Task WriteAsync(HttpContext context, Exception exception)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        var problem = Map(exception);
        var response = context.Response;
        response.Clear();
        response.StatusCode = problem.Status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        Security.SecurityHeaders.Apply(response);
        switch (exception)
        {
            case UnauthorizedException { Error: not UnauthorizedException.InvalidGrant } unauthorized:
                response.Headers.WWWAuthenticate =
                    unauthorized.Error == UnauthorizedException.InvalidRequest
                        ? "Bearer realm=\"cx\""
                        : $"Bearer realm=\"cx\", error=\"{unauthorized.Error}\"";
                break;
            case Security.TooManyRequestsException limited:
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(limited.RetryAfter.TotalSeconds))
                    .ToString(System.Globalization.CultureInfo.InvariantCulture);
                break;
        }
        using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
        {
            Write(writer, problem, context.Request.Path, Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier);
        }
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>A problem body for a bare status (no route: 404, wrong method: 405) set by the framework.</summary>
    public static async Task WriteStatusAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var (code, title, detail) = status switch
        {
            404 => ("no-route", "Not found", "No API route matches this path."),
            405 => ("method-not-allowed", "Method not allowed", $"{context.Request.Method} is not allowed on this route."),
            _ => ("http-" + status, "HTTP " + status, "The request failed with status " + status + "."),
        };
        context.Response.ContentType = ContentType;
        Security.SecurityHeaders.Apply(context.Response);
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, CxJson.WriterOptions))
        {
            Write(
                writer,
                new Problem(status, code, title, detail, []),
                context.Request.Path,
                Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier
            );
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static void Write(Utf8JsonWriter writer, Problem problem, string instance, string? traceId)
    {
        writer.WriteStartObject();
        writer.WriteString("type", problem.Type);
        writer.WriteString("title", problem.Title);
        writer.WriteNumber("status", problem.Status);
        writer.WriteString("detail", problem.Detail);
        writer.WriteString("instance", instance);
        writer.WriteString("code", problem.Code);
        if (problem.Code == "invalid-grant")
        {
            // RFC 6749 clients read "error" from token-endpoint failures.
            writer.WriteString("error", "invalid_grant");
        }
        if (problem.Errors.Count > 0)
        {
            writer.WriteStartArray("errors");
            foreach (var error in problem.Errors)
            {
                writer.WriteStartObject();
                writer.WriteString(
                    error.Location switch
                    {
                        ErrorLocation.Query => "parameter",
                        ErrorLocation.Header => "header",
                        ErrorLocation.Route => "parameter",
                        _ => "pointer",
                    },
                    error.Path
                );
                writer.WriteString("code", error.Code);
                writer.WriteString("detail", error.Detail);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        if (traceId is not null)
        {
            writer.WriteString("traceId", traceId);
        }
        writer.WriteEndObject();
    }
}
