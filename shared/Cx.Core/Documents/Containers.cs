namespace Cx.Core.Documents;

/// <summary>
/// The document containers and how each is partitioned. Cosmos DB containers and SQLite tables
/// carry these names; the partition key path is always <c>/pk</c>.
/// </summary>
public static class Containers
{
    /// <summary>Definitions (content types, components, segments, rules, ...), partitioned by document type.</summary>
    public const string Definitions = "definitions";

    /// <summary>Customer-scoped documents, partitioned by customer id.</summary>
    public const string Customers = "customers";

    /// <summary>Entries of content types that are not customer-scoped, partitioned by content type.</summary>
    public const string Content = "content";

    /// <summary>Accounts, sessions, refresh tokens, API keys and revocations, partitioned per record.</summary>
    public const string Identity = "identity";

    /// <summary>The append-only audit log, partitioned by month.</summary>
    public const string Audit = "audit";

    /// <summary>Segment membership, one document per (segment, customer), partitioned by segment key.</summary>
    public const string Memberships = "memberships";

    /// <summary>
    /// Lifecycle hook failures: a change's attempts while a hook retries it, then its dead letter;
    /// one document per (hook, change), partitioned by hook name.
    /// </summary>
    public const string DeadLetters = "dead-letters";

    /// <summary>The outbound webhook delivery log (and each subscription's health), partitioned by subscription key.</summary>
    public const string WebhookDeliveries = "webhook-deliveries";

    /// <summary>Notifications: each customer's delivery log and in-app inbox, partitioned by customer id.</summary>
    public const string Notifications = "notifications";

    public static IReadOnlyList<string> All { get; } =
    [Definitions, Customers, Content, Identity, Audit, Memberships, DeadLetters, WebhookDeliveries, Notifications];

    public static bool IsKnown(string container) => All.Contains(container, StringComparer.Ordinal);
}
