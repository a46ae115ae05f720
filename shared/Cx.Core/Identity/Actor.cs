using System.Collections.Frozen;

namespace Cx.Core.Identity;

public enum ActorKind
{
    /// <summary>A member of staff (local account or SSO).</summary>
    Staff,

    /// <summary>A customer signed in through SSO.</summary>
    Customer,

    /// <summary>A service or browser using an API key.</summary>
    ApiKey,

    /// <summary>Cx itself: timers, hooks, start-up.</summary>
    System,
}

/// <summary>
/// Who is acting: the authenticated principal of a request (or the system), with the
/// permissions its roles or scopes grant. Services read it from <see cref="CurrentActor"/>.
/// </summary>
public sealed record Actor(
    ActorKind Kind,
    string Subject,
    IReadOnlyList<string> Roles,
    FrozenSet<string> Permissions,
    string? CustomerId = null,
    string? SessionId = null,
    string? DisplayName = null
)
{
    public static Actor System { get; } = new(ActorKind.System, "system", [], Identity.Permissions.All.ToFrozenSet(StringComparer.Ordinal));

    public bool Has(string permission) => Permissions.Contains(permission);

    /// <summary>True when the actor holds the permission, or its self-only form for this customer.</summary>
    public bool Can(string permission, string? customerId) =>
        Permissions.Contains(permission)
        || (
            customerId is not null
            && CustomerId is not null
            && string.Equals(customerId, CustomerId, StringComparison.Ordinal)
            && Permissions.Contains(Identity.Permissions.Self(permission))
        );

    /// <summary>True when the actor may act only on its own customer record for this permission.</summary>
    public bool IsSelfOnly(string permission) =>
        !Permissions.Contains(permission) && Permissions.Contains(Identity.Permissions.Self(permission));

    /// <summary>
    /// The self-only rule for data that names its customer in the body (events, identify): an
    /// actor holding only the self form of <paramref name="permission"/> may act for its own
    /// customer id and no other (403). The request gate admits such callers (<c>SelfInBody</c>);
    /// the service calls this once it has read the body, before anything is written.
    /// </summary>
    public void EnsureOwns(string permission, string? customerId, string detail)
    {
        if (IsSelfOnly(permission) && !string.Equals(customerId, CustomerId, StringComparison.Ordinal))
        {
            throw new ForbiddenException(detail);
        }
    }

    /// <summary>A short description for logs and the audit log (never a secret).</summary>
    public string Describe() => $"{Kind.ToString().ToLowerInvariant()}:{Subject}";
}

/// <summary>The actor of the current request or job, flowing with the async context.</summary>
public static class CurrentActor
{
    private static readonly AsyncLocal<Actor?> Value = new();

    /// <summary>The actor, or <see cref="Actor.System"/> outside any request.</summary>
    public static Actor Get() => Value.Value ?? Actor.System;

    public static Actor? Authenticated => Value.Value;

    /// <summary>Sets the actor until the returned scope is disposed.</summary>
    public static IDisposable Use(Actor actor)
    {
        var previous = Value.Value;
        Value.Value = actor;
        return new Scope(previous);
    }

    private sealed class Scope(Actor? previous) : IDisposable
    {
        public void Dispose() => Value.Value = previous;
    }
}
