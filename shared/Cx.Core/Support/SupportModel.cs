using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Core.Profiles;

namespace Cx.Core.Support;

/// <summary>
/// The support model: the built-in types <c>support-ticket</c>, <c>interaction-event</c> and
/// <c>self-service-event</c> (the supportTicket, interactionEvent, selfServiceEvent), each related to a customer profile by id. They are system-written:
/// clients write them only through the support routes, whose service enforces the ticket workflow,
/// and read them through the content API only with <c>tickets:read</c>.
/// </summary>
public static class SupportModel
{
    public const string TicketType = "support-ticket";

    public const string InteractionType = "interaction-event";

    public const string SelfServiceType = "self-service-event";

    public const string ExternalIdComponent = "support-external-id";

    /// <summary>The ticket statuses in workflow order.</summary>
    public static IReadOnlyList<string> Statuses { get; } = ["new", "open", "awaiting_customer", "resolved", "closed"];

    /// <summary>Statuses of tickets that still need work.</summary>
    public static IReadOnlySet<string> OpenStatuses { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "new", "open", "awaiting_customer" };

    private static readonly Dictionary<string, string[]> Transitions = new(StringComparer.Ordinal)
    {
        ["new"] = ["open", "closed"],
        ["open"] = ["awaiting_customer", "resolved"],
        ["awaiting_customer"] = ["open", "resolved"],
        ["resolved"] = ["open", "closed"],
        ["closed"] = [],
    };

    /// <summary>The statuses a ticket in <paramref name="status"/> may move to (staying put is always allowed).</summary>
    public static IReadOnlyList<string> AllowedFrom(string status) => Transitions.GetValueOrDefault(status) ?? [];

    public static bool CanMove(string from, string to) => from == to || AllowedFrom(from).Contains(to, StringComparer.Ordinal);

    public static ContentType Ticket { get; } =
        new()
        {
            Key = TicketType,
            DisplayName = "Support ticket",
            Description =
                "A customer's support ticket. Status follows new → open → awaiting_customer → resolved → closed; "
                + "written through /api/v1/customers/{customerId}/tickets, which enforces the workflow.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            SystemWritten = true,
            ReadPermission = Permissions.TicketsRead,
            Fields =
            [
                CustomerField(),
                new FieldDefinition
                {
                    Name = "subject",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.String,
                    Required = true,
                    MinLength = 1,
                    MaxLength = 200,
                },
                new FieldDefinition
                {
                    Name = "description",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.Text,
                    MaxLength = 20_000,
                },
                new FieldDefinition
                {
                    Name = "channel",
                    Type = FieldType.Enumeration,
                    Values = ["email", "chat", "phone", "web", "social", "api"],
                    Default = new JsonLiteral("\"web\""),
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "status",
                    Type = FieldType.Enumeration,
                    Values = [.. Statuses],
                    Default = new JsonLiteral("\"new\""),
                    Indexed = true,
                    Description = "new → open → awaiting_customer → resolved → closed; every write checks the transition.",
                },
                new FieldDefinition
                {
                    Name = "priority",
                    Type = FieldType.Enumeration,
                    Values = ["low", "normal", "high", "urgent"],
                    Default = new JsonLiteral("\"normal\""),
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "assignee",
                    Type = FieldType.String,
                    MaxLength = 255,
                    Indexed = true,
                    Description = "The agent working on the ticket (account e-mail or id).",
                },
                new FieldDefinition
                {
                    Name = "externalIds",
                    Type = FieldType.Component,
                    Component = ExternalIdComponent,
                    Repeatable = true,
                    MaxItems = 10,
                    Description = "The ticket's ids in other tools (zendesk, intercom, ...).",
                },
                new FieldDefinition
                {
                    Name = "openedAt",
                    Type = FieldType.DateTime,
                    Indexed = true,
                    SystemManaged = true,
                },
            ],
        };

    public static ComponentDefinition ExternalId { get; } =
        new()
        {
            Key = ExternalIdComponent,
            DisplayName = "External id",
            BuiltIn = true,
            Fields =
            [
                new FieldDefinition
                {
                    Name = "system",
                    Type = FieldType.String,
                    Required = true,
                    MaxLength = 32,
                    Pattern = "[a-z][a-z0-9-]{0,31}",
                },
                new FieldDefinition
                {
                    Name = "id",
                    Type = FieldType.String,
                    Required = true,
                    MaxLength = 128,
                },
            ],
        };

    public static ContentType Interaction { get; } =
        new()
        {
            Key = InteractionType,
            DisplayName = "Interaction",
            Description = "A conversation with a customer: chat, call, e-mail or an agent's note.",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            SystemWritten = true,
            ReadPermission = Permissions.TicketsRead,
            Fields =
            [
                CustomerField(),
                new FieldDefinition
                {
                    Name = "kind",
                    Type = FieldType.Enumeration,
                    Values = ["chat", "call", "email", "note"],
                    Required = true,
                    Indexed = true,
                },
                AtField(),
                new FieldDefinition
                {
                    Name = "ticket",
                    Type = FieldType.Relation,
                    Target = TicketType,
                    Indexed = true,
                },
                new FieldDefinition
                {
                    Name = "direction",
                    Type = FieldType.Enumeration,
                    Values = ["inbound", "outbound", "internal"],
                },
                new FieldDefinition
                {
                    Name = "summary",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.String,
                    MaxLength = 255,
                },
                new FieldDefinition
                {
                    Name = "body",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.Text,
                    MaxLength = 20_000,
                },
                new FieldDefinition
                {
                    Name = "agent",
                    Type = FieldType.String,
                    MaxLength = 255,
                },
                new FieldDefinition
                {
                    Name = "externalIds",
                    Type = FieldType.Component,
                    Component = ExternalIdComponent,
                    Repeatable = true,
                    MaxItems = 10,
                    Description = "The conversation's ids in other tools (intercom, ...), for interactions that came from them.",
                },
            ],
        };

    public static ContentType SelfService { get; } =
        new()
        {
            Key = SelfServiceType,
            DisplayName = "Self-service event",
            Description = "A customer helping themselves: an article or form viewed, a search, \"this helped\" or \"did not help\".",
            Kind = ContentKind.Collection,
            BuiltIn = true,
            SystemWritten = true,
            ReadPermission = Permissions.TicketsRead,
            Fields =
            [
                CustomerField(),
                new FieldDefinition
                {
                    Name = "kind",
                    Type = FieldType.Enumeration,
                    Values = ["article_viewed", "form_viewed", "search", "helped", "not_helped"],
                    Required = true,
                    Indexed = true,
                },
                AtField(),
                new FieldDefinition
                {
                    Name = "article",
                    Type = FieldType.String,
                    MaxLength = 128,
                    Indexed = true,
                    Description = "The article or form key (views and votes).",
                },
                new FieldDefinition
                {
                    Name = "query",
                    Personal = PersonalDataCategory.FreeText,
                    Type = FieldType.String,
                    MaxLength = 255,
                    Description = "The search text.",
                },
            ],
        };

    public static IReadOnlyList<ContentType> Types { get; } =
    [Ticket, Interaction, SelfService, Feedback.FeedbackModel.Type, DeflectionReports.ContentType];

    public static IReadOnlyList<ComponentDefinition> Components { get; } = [ExternalId];

    private static FieldDefinition CustomerField() =>
        new()
        {
            Name = "customer",
            Personal = PersonalDataCategory.Identifier,
            Type = FieldType.Relation,
            Target = CustomerProfile.TypeKey,
            Required = true,
            Indexed = true,
            SystemManaged = true,
            Description = "The customer's profile id (taken from the route).",
        };

    private static FieldDefinition AtField() =>
        new()
        {
            Name = "at",
            Type = FieldType.DateTime,
            Indexed = true,
            SystemManaged = true,
            Description = "When it happened (set by Cx when recorded).",
        };
}
