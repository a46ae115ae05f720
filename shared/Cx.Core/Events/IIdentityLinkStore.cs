namespace Cx.Core.Events;

/// <summary>The outcome of linking an anonymous id to a customer.</summary>
public enum LinkOutcome
{
    /// <summary>Linked now: the anonymous history joins the customer.</summary>
    Linked,

    /// <summary>It was already linked to this customer (identify is idempotent).</summary>
    AlreadyLinked,

    /// <summary>It is linked to another customer; the first link wins.</summary>
    LinkedToAnother,

    /// <summary>The customer has absorbed the maximum number of anonymous ids.</summary>
    LimitReached,
}

/// <summary>
/// The identity links the analytics store keeps (anonymous id → customer id), read when
/// aggregates are computed (ADR 0102). Not the staff accounts and sessions of <c>Cx.Core.Identity</c>.
/// </summary>
public interface IIdentityLinkStore
{
    /// <summary>Links atomically, enforcing first-link-wins and the per-customer cap.</summary>
    ValueTask<LinkOutcome> LinkAsync(
        string anonymousId,
        string customerId,
        int maxAliases,
        DateTimeOffset at,
        CancellationToken cancellationToken
    );

    ValueTask<IReadOnlyList<string>> GetAnonymousIdsAsync(string customerId, CancellationToken cancellationToken);
}
