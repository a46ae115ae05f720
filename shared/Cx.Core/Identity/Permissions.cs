using System.Collections.Frozen;

namespace Cx.Core.Identity;

/// <summary>The roles of Cx. Staff roles come from local accounts or SSO mappings; customers sign in through SSO.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Marketer = "marketer";
    public const string Editor = "editor";
    public const string SupportAgent = "support_agent";
    public const string Customer = "customer";

    public static IReadOnlyList<string> Staff { get; } = [Admin, Marketer, Editor, SupportAgent];

    public static IReadOnlyList<string> All { get; } = [Admin, Marketer, Editor, SupportAgent, Customer];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// What an actor may do. Functions declare the permission they need; roles and API-key scopes
/// grant permissions. A permission ending in <c>:self</c> grants the same operation on the
/// actor's own customer record only (a customer's token reaches only its own data).
/// </summary>
public static class Permissions
{
    public const string CustomersRead = "customers:read";
    public const string CustomersWrite = "customers:write";
    public const string CustomersDelete = "customers:delete";
    public const string ContentRead = "content:read";
    public const string ContentWrite = "content:write";
    public const string SchemaRead = "schema:read";
    public const string SchemaWrite = "schema:write";
    public const string EventsWrite = "events:write";
    public const string EventsRead = "events:read";
    public const string SegmentsRead = "segments:read";
    public const string SegmentsWrite = "segments:write";
    public const string AccountsManage = "accounts:manage";
    public const string KeysManage = "keys:manage";
    public const string AuditRead = "audit:read";

    /// <summary>Analytics reads: roll-up series, funnels, journey definitions and their reports (staff only).</summary>
    public const string AnalyticsRead = "analytics:read";

    /// <summary>Creating, changing and deleting journey definitions.</summary>
    public const string JourneysWrite = "journeys:write";

    /// <summary>The dead letters of lifecycle hooks: list, inspect, replay, discard (admins only; never an API-key scope).</summary>
    public const string LifecycleManage = "lifecycle:manage";

    /// <summary>Reading placements (their variants and targeting) and previewing decisions (staff).</summary>
    public const string PersonalizationRead = "personalization:read";

    /// <summary>Creating, changing and deleting placements.</summary>
    public const string PersonalizationWrite = "personalization:write";

    /// <summary>Reading feature flags (drafts, releases, history).</summary>
    public const string FlagsRead = "flags:read";

    /// <summary>Creating, changing, publishing and deleting feature flags.</summary>
    public const string FlagsWrite = "flags:write";

    /// <summary>Evaluating published feature flags for a context (front ends and OpenFeature clients, with an API key).</summary>
    public const string FlagsEvaluate = "flags:evaluate";

    /// <summary>Outbound webhook subscriptions, their delivery log and replays (admins; an API-key scope for integrations).</summary>
    public const string WebhooksManage = "webhooks:manage";

    /// <summary>Reading support tickets, interactions and the support context (agents; customers their own tickets, self form).</summary>
    public const string TicketsRead = "tickets:read";

    /// <summary>Opening and changing tickets and recording interactions (support agents).</summary>
    public const string TicketsWrite = "tickets:write";

    /// <summary>Notification triggers, a customer's delivery log and direct sends (admins and marketers).</summary>
    public const string NotificationsManage = "notifications:manage";

    /// <summary>Privacy requests: a customer's access bundle (admins; a customer for their own id).</summary>
    public const string PrivacyRequests = "privacy:requests";

    /// <summary>Store snapshots: start one, list them, read a manifest (admins).</summary>
    public const string SnapshotsManage = "snapshots:manage";

    public const string SelfSuffix = ":self";

    public static IReadOnlyList<string> All { get; } =
    [
        CustomersRead,
        CustomersWrite,
        CustomersDelete,
        ContentRead,
        ContentWrite,
        SchemaRead,
        SchemaWrite,
        EventsWrite,
        EventsRead,
        SegmentsRead,
        SegmentsWrite,
        AccountsManage,
        KeysManage,
        AuditRead,
        AnalyticsRead,
        JourneysWrite,
        LifecycleManage,
        PersonalizationRead,
        PersonalizationWrite,
        FlagsRead,
        FlagsWrite,
        FlagsEvaluate,
        WebhooksManage,
        TicketsRead,
        TicketsWrite,
        NotificationsManage,
        PrivacyRequests,
        SnapshotsManage,
    ];

    /// <summary>Permissions an API key may carry (account and key management and dead letters stay with people).</summary>
    public static IReadOnlyList<string> Scopes { get; } =
    [.. All.Where(p => p is not AccountsManage and not KeysManage and not LifecycleManage)];

    public static string Self(string permission) => permission + SelfSuffix;

    private static readonly FrozenDictionary<string, FrozenSet<string>> ByRole = new Dictionary<string, FrozenSet<string>>(
        StringComparer.Ordinal
    )
    {
        [Roles.Admin] = All.ToFrozenSet(StringComparer.Ordinal),
        [Roles.Marketer] = new[]
        {
            CustomersRead,
            ContentRead,
            ContentWrite,
            SchemaRead,
            EventsRead,
            EventsWrite,
            SegmentsRead,
            SegmentsWrite,
            AnalyticsRead,
            JourneysWrite,
            PersonalizationRead,
            PersonalizationWrite,
            FlagsRead,
            FlagsWrite,
            FlagsEvaluate,
            NotificationsManage,
        }.ToFrozenSet(StringComparer.Ordinal),
        [Roles.Editor] = new[] { ContentRead, ContentWrite, SchemaRead, SchemaWrite }.ToFrozenSet(StringComparer.Ordinal),
        [Roles.SupportAgent] = new[]
        {
            CustomersRead,
            CustomersWrite,
            ContentRead,
            EventsRead,
            SegmentsRead,
            TicketsRead,
            TicketsWrite,
        }.ToFrozenSet(StringComparer.Ordinal),
        [Roles.Customer] = new[]
        {
            Self(CustomersRead),
            Self(CustomersWrite),
            Self(EventsWrite),
            Self(EventsRead),
            Self(TicketsRead),
            Self(PrivacyRequests),
            ContentRead,
        }.ToFrozenSet(StringComparer.Ordinal),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The permissions granted by a set of roles.</summary>
    public static FrozenSet<string> ForRoles(IEnumerable<string> roles) =>
        roles
            .SelectMany(r => ByRole.TryGetValue(r, out var granted) ? granted : FrozenSet<string>.Empty)
            .ToFrozenSet(StringComparer.Ordinal);
}
