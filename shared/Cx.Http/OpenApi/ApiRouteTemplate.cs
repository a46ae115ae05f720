using System.Text.RegularExpressions;

namespace Cx.Http.OpenApi;

/// <summary>Route templates of functions (<c>v1/x/{id:int}</c>) as OpenAPI paths (<c>/api/v1/x/{id}</c>).</summary>
public static partial class ApiRouteTemplate
{
    [GeneratedRegex(@"\{\*{0,2}([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]*)?\??\}", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();

    /// <summary>The document path of a route: the <c>api</c> prefix, parameter constraints and optional marks removed.</summary>
    public static string ToOpenApiPath(string route) => ApiRoutes.Path(Parameter().Replace(route.Trim('/'), "{$1}"));

    /// <summary>The parameter names of a route, in order.</summary>
    public static IReadOnlyList<string> Parameters(string route) => [.. Parameter().Matches(route).Select(m => m.Groups[1].Value)];
}
