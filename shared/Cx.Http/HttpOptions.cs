using System.ComponentModel.DataAnnotations;

namespace Cx.Http;

/// <summary>Limits of the HTTP API, bound from <c>Cx:Http</c>.</summary>
public sealed class HttpOptions
{
    public const string Section = "Cx:Http";

    /// <summary>Largest request body accepted, in bytes (413 beyond it).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted in a request body.</summary>
    [Range(4, 256)]
    public int MaxJsonDepth { get; set; } = 32;

    /// <summary>
    /// Take the client address from the last X-Forwarded-For hop, the one the trusted proxy appended
    /// (the Azure Functions front end or another trusted proxy), and HTTPS from X-Forwarded-Proto.
    /// Leave off when clients connect directly.
    /// </summary>
    public bool TrustForwardedFor { get; set; }
}
