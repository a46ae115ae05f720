namespace Cx.Http.Web;

/// <summary>
/// A page of the front end and the Content-Security-Policy it is served with: only this origin's
/// scripts, styles, fonts and API, nothing from elsewhere, never framed.
/// </summary>
public sealed record WebPage(string Name, string ContentSecurityPolicy)
{
    private const string Common =
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Scalar's API reference (its one standalone script). It sets element styles at run time, so
    /// styles allow 'unsafe-inline'; scripts do not.
    /// </summary>
    public static WebPage Reference { get; } = new("reference", Common + "; style-src 'self' 'unsafe-inline'");

    /// <summary>
    /// GraphiQL: Monaco's editor runs its language services in web workers from this origin and
    /// sets element styles at run time.
    /// </summary>
    public static WebPage Explorer { get; } = new("explorer", Common + "; style-src 'self' 'unsafe-inline'; worker-src 'self'");
}
