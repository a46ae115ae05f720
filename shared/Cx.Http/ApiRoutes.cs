namespace Cx.Http;

/// <summary>
/// The route prefix and paths of the API. Routes are version first, lower-case plural nouns;
/// each capability folder keeps its own route constants. The function app's host.json keeps
/// the <see cref="Prefix"/>; tests hold the routes equal to functions.metadata.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The route prefix of host.json (<c>extensions.http.routePrefix</c>).</summary>
    public const string Prefix = "api";

    public static string Path(string route) => "/" + Prefix + "/" + route;
}
