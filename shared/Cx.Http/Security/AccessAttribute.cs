namespace Cx.Http.Security;

/// <summary>
/// The access policy of a function, declared on every [Function] method (a test fails for a
/// function without one). The permission is checked by the request gate of both hosts.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AccessAttribute(string permission) : Attribute
{
    /// <summary>No credentials needed (health, sign-in, public keys, the API description).</summary>
    public const string Anonymous = "anonymous";

    /// <summary>Any valid credentials (signing out, "who am I").</summary>
    public const string Authenticated = "authenticated";

    /// <summary>Not reachable over HTTP: timers and other platform triggers.</summary>
    public const string Trigger = "trigger";

    /// <summary>A permission of <see cref="Cx.Core.Identity.Permissions"/>, or <see cref="Anonymous"/>/<see cref="Trigger"/>.</summary>
    public string Permission { get; } = permission;

    /// <summary>
    /// The route parameter holding a customer id: a customer holding only the self form of the
    /// permission may call the function for that id and no other.
    /// </summary>
    public string? Self { get; init; }

    /// <summary>
    /// The self form of the permission is accepted although the customer id is in the body;
    /// the service enforces that every item belongs to the caller with
    /// <see cref="Cx.Core.Identity.Actor.EnsureOwns"/>, the one place of that rule.
    /// </summary>
    public bool SelfInBody { get; init; }

    /// <summary>The rate-limit group (<see cref="RateLimitGroups"/>); by default reads or writes by HTTP method.</summary>
    public string? RateLimit { get; init; }
}

/// <summary>Route groups with their own rate limits (<c>Cx:RateLimits:{group}</c>).</summary>
public static class RateLimitGroups
{
    public const string Auth = "auth";
    public const string Events = "events";
    public const string Read = "read";
    public const string Write = "write";

    /// <summary>Not a route group: failed authentications per client address, counted by the gate on every route.</summary>
    public const string AuthFailures = "auth-failures";

    public static IReadOnlyList<string> All { get; } = [Auth, AuthFailures, Events, Read, Write];
}
