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

public static class EventRoutes
{
    /// <summary><c>POST</c>: one event or a batch of up to 500.</summary>
    public const string Collection = "v1/events";

    /// <summary><c>GET</c>: appended/processed positions and lag of the event stream.</summary>
    public const string Status = "v1/events/status";

    /// <summary><c>POST</c>: link an anonymous id to a customer.</summary>
    public const string Identify = "v1/identify";

    public const string Types = "v1/event-types";

    public const string TypeByKey = "v1/event-types/{eventType}";

    /// <summary><c>GET</c>/<c>PUT</c>: registry-wide settings (what happens to unknown event types).</summary>
    public const string TypeSettings = "v1/event-type-settings";

    public const string Timeline = "v1/customers/{customerId}/timeline";

    public const string Behavior = "v1/customers/{customerId}/behavior";

    public static string TypeLocation(string key) => ApiRoutes.Path("v1/event-types/" + Uri.EscapeDataString(key));
}
