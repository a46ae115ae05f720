namespace Cx.Http.Versioning;

/// <summary>
/// The published API versions and which one a route belongs to. A route's version is its first
/// segment when that is <c>v</c> and a number (<c>v2/customers</c> is v2); routes that carry no
/// version of their own (the OFREP routes, whose protocol has its own) belong to v1, the base
/// version. Each version has its own OpenAPI document at <c>/api/{version}/openapi.json</c>.
/// </summary>
public static class ApiVersions
{
    public const string V1 = "v1";

    public const string V2 = "v2";

    /// <summary>Every published version, oldest first.</summary>
    public static IReadOnlyList<string> All { get; } = [V1, V2];

    /// <summary>The version of a route template such as <c>v2/customers</c>.</summary>
    public static string Of(string route)
    {
        var slash = route.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? route : route[..slash];
        return first.Length > 1 && first[0] == 'v' && first[1..].All(char.IsAsciiDigit) ? first : V1;
    }
}
