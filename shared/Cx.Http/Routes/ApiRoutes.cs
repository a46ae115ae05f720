namespace Cx.Http.Routes;

/// <summary>
/// Every route of the API, version first, lower-case plural nouns. The function app's
/// host.json keeps the <see cref="Prefix"/>; tests hold these equal to functions.metadata.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The route prefix of host.json (<c>extensions.http.routePrefix</c>).</summary>
    public const string Prefix = "api";

    public static string Path(string route) => "/" + Prefix + "/" + route;
}

public static class CustomerRoutes
{
    public const string Collection = "v1/customers";

    public const string ById = "v1/customers/{customerId}";

    public static string Location(string id) => ApiRoutes.Path("v1/customers/" + Uri.EscapeDataString(id));
}

public static class ContentTypeRoutes
{
    public const string Collection = "v1/content-types";

    public const string ByKey = "v1/content-types/{typeKey}";

    public static string Location(string key) => ApiRoutes.Path("v1/content-types/" + Uri.EscapeDataString(key));
}

public static class ComponentRoutes
{
    public const string Collection = "v1/components";

    public const string ByKey = "v1/components/{componentKey}";

    public static string Location(string key) => ApiRoutes.Path("v1/components/" + Uri.EscapeDataString(key));
}

public static class ContentRoutes
{
    public const string Collection = "v1/content/{typeKey}";

    public const string ById = "v1/content/{typeKey}/{entryId}";

    public const string Single = "v1/singles/{typeKey}";

    public static string Location(string typeKey, string id) =>
        ApiRoutes.Path("v1/content/" + Uri.EscapeDataString(typeKey) + "/" + Uri.EscapeDataString(id));

    public static string SingleLocation(string typeKey) => ApiRoutes.Path("v1/singles/" + Uri.EscapeDataString(typeKey));
}

public static class SystemRoutes
{
    public const string Health = "v1/health";

    public const string OpenApi = "v1/openapi.json";
}

public static class AuthRoutes
{
    public const string Token = "v1/auth/token";

    public const string Revoke = "v1/auth/revoke";

    public const string SignOut = "v1/auth/sign-out";

    public const string SignOutEverywhere = "v1/auth/sign-out-everywhere";

    public const string Me = "v1/auth/me";

    public const string Jwks = "v1/auth/jwks.json";
}

public static class AccountRoutes
{
    public const string Collection = "v1/accounts";

    public const string ById = "v1/accounts/{accountId}";

    public const string Password = "v1/accounts/{accountId}/password";
}

public static class ApiKeyRoutes
{
    public const string Collection = "v1/api-keys";

    public const string ById = "v1/api-keys/{keyId}";
}

public static class AuditRoutes
{
    public const string Collection = "v1/audit";
}

public static class ClaimsMappingRoutes
{
    public const string ByKey = "v1/claims-mappings/{issuerKey}";
}
