namespace Cx.Core.Common;

/// <summary>Where a bad value was found: in the JSON body, a query parameter or a header.</summary>
public enum ErrorLocation
{
    Body,
    Query,
    Header,
    Route,
}

/// <summary>
/// One field-level problem. <see cref="Path"/> is a JSON Pointer (RFC 6901) for the body,
/// the parameter name for the query string and the header name for headers.
/// </summary>
public sealed record FieldError(string Path, string Code, string Detail, ErrorLocation Location = ErrorLocation.Body);

/// <summary>Base of every product error the HTTP layer turns into problem details.</summary>
public abstract class CxException : Exception
{
    protected CxException(string message)
        : base(message) { }

    protected CxException(string message, Exception inner)
        : base(message, inner) { }

    /// <summary>A short, stable, kebab-case code; the problem type URI ends with it.</summary>
    public abstract string Code { get; }
}

/// <summary>The request is malformed or breaks a rule of the schema (400).</summary>
public class ValidationException : CxException
{
    public ValidationException(IReadOnlyList<FieldError> errors, string? message = null)
        : base(message ?? "The request is not valid.")
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        Errors = errors;
    }

    public ValidationException(FieldError error, string? message = null)
        : this([error], message) { }

    public IReadOnlyList<FieldError> Errors { get; }

    public override string Code => "validation-failed";
}

/// <summary>The body is not JSON, or not the JSON shape the endpoint takes (400).</summary>
public sealed class MalformedJsonException(string message, FieldError? error = null)
    : ValidationException(error ?? new FieldError("", "malformed-json", message), message)
{
    public override string Code => "malformed-json";
}

/// <summary>A resource does not exist (404).</summary>
public class NotFoundException(string resource, string id) : CxException($"{resource} '{id}' was not found.")
{
    public string Resource { get; } = resource;

    public string Id { get; } = id;

    public override string Code => "not-found";
}

/// <summary>The request conflicts with the current state (409).</summary>
public class ConflictException(string code, string message, IReadOnlyList<FieldError>? errors = null) : CxException(message)
{
    public override string Code { get; } = code;

    public IReadOnlyList<FieldError> Errors { get; } = errors ?? [];
}

/// <summary>An <c>If-Match</c> precondition did not hold (412).</summary>
public class PreconditionFailedException(string message) : CxException(message)
{
    public override string Code => "precondition-failed";
}
