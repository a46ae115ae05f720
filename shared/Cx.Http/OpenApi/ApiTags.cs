namespace Cx.Http.OpenApi;

/// <summary>The tags that group operations in the document, with their descriptions.</summary>
public static class ApiTags
{
    public const string Customers = "Customers";

    public const string Content = "Content";

    public const string ContentTypes = "Content types";

    public const string Components = "Components";

    public const string System = "System";

    public const string Auth = "Authentication";

    public const string Administration = "Administration";

    public const string Events = "Events";

    public const string Analytics = "Analytics";
    public const string Segments = "Segments";

    public const string Personalization = "Personalization";
    public const string Flags = "Flags";

    public const string Realtime = "Realtime";
    public const string GraphQL = "GraphQL";

    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        [Customers] =
            "Customer profiles: entries of the built-in 'customer' content type, with preferences, recent interactions and segment membership.",
        [Content] =
            "Entries of any content type: collections under /v1/content/{typeKey}, the one entry of a single type under /v1/singles/{typeKey}.",
        [ContentTypes] =
            "The definitions of content types: fields, validation, components and dynamic zones. Changing one changes this document.",
        [Components] = "Reusable groups of fields, used by component fields and dynamic zones.",
        [System] = "Health and this document.",
        [Auth] =
            "Sign-in (password for staff, SSO token exchange for customers), rotating refresh tokens, sign-out, and the public keys that verify Cx tokens.",
        [Events] =
            "Behavioural events: capture (single or batch), identify, the event-type registry, a customer's timeline and behavioural aggregates.",
        [Analytics] =
            "Roll-up time series, funnels, and journeys (awareness, consideration, action) with their reports. Staff with analytics:read.",
        [Segments] =
            "Segments that keep themselves up to date: rule documents with version history, previews and dry runs, member lists, "
            + "recompute progress, and why a customer is or is not in one.",
        [Personalization] =
            "Placements and their targeted variants as documents, and the one decision endpoint that picks each placement's entry for a customer.",
        [Flags] =
            "Feature flags as documents: drafts, publishing, release history, targeting by rules and segments, percentage rollouts "
            + "with stored exposure, prerequisites, and evaluation.",
        [Realtime] =
            "Live updates over WebSockets: negotiate (SignalR's contract) and subscribing a connection to a channel, resumed from the channel log.",
        [GraphQL] =
            "GraphQL beside REST: a schema generated from the content types, with the same services and permissions (docs/graphql.md).",
        [Administration] = "Staff accounts, API keys, SSO claims mappings and the append-only audit log (admins).",
    };

    /// <summary>The description of a tag; null for a tag no one described yet.</summary>
    public static string? Describe(string tag) => Descriptions.GetValueOrDefault(tag);
}
