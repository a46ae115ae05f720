using Cx.Core.Support;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Support;

public static class SupportRoutes
{
    public const string Tickets = "v1/customers/{customerId}/tickets";

    public const string TicketById = "v1/customers/{customerId}/tickets/{ticketId}";

    public const string Interactions = "v1/customers/{customerId}/interactions";

    public const string SelfServiceEvents = "v1/customers/{customerId}/self-service-events";

    public const string Context = "v1/customers/{customerId}/support-context";

    public static Func<string, string> TicketLocation(string customerId) =>
        id => ApiRoutes.Path("v1/customers/" + Uri.EscapeDataString(customerId) + "/tickets/" + Uri.EscapeDataString(id));

    private static readonly ApiSchemaRef Ticket = ApiSchemaRef.EntryOf(SupportModel.TicketType);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List(
                "ListCustomerTickets",
                Tickets,
                ApiTags.Customers,
                "A customer's support tickets",
                Ticket,
                ApiSchemaRef.FilterOf(SupportModel.TicketType)
            ),
            RestOperations
                .Create(
                    "CreateCustomerTicket",
                    Tickets,
                    ApiTags.Customers,
                    "Open a support ticket for a customer",
                    ApiSchemaRef.InputOf(SupportModel.TicketType),
                    ApiSchemaRef.Complete(Ticket)
                )
                .WithProblems(404)
                .WithDescription("The customer comes from the URL; a new ticket starts as 'new' (409 naming /status otherwise)."),
            RestOperations.Get(
                "GetCustomerTicket",
                TicketById,
                ApiTags.Customers,
                "Read one of a customer's tickets",
                Ticket,
                fields: true
            ),
            RestOperations
                .Patch(
                    "PatchCustomerTicket",
                    TicketById,
                    ApiTags.Customers,
                    "Change a ticket: status, priority, assignee, ...",
                    ApiSchemaRef.PatchOf(SupportModel.TicketType),
                    ApiSchemaRef.Complete(Ticket)
                )
                .WithDescription(
                    "Status follows new → open → awaiting_customer → resolved → closed (new may close, resolved may reopen, "
                        + "awaiting_customer may go back to open). Any other move is 409 naming /status and the allowed statuses; nothing is written."
                ),
            RestOperations
                .Create(
                    "RecordCustomerInteraction",
                    Interactions,
                    ApiTags.Customers,
                    "Record a chat, call, e-mail or note with a customer",
                    ApiSchemaRef.InputOf(SupportModel.InteractionType),
                    ApiSchemaRef.Complete(ApiSchemaRef.EntryOf(SupportModel.InteractionType))
                )
                .WithProblems(404),
            RestOperations
                .Create(
                    "RecordSelfServiceEvent",
                    SelfServiceEvents,
                    ApiTags.Customers,
                    "Record a self-service event: article or form viewed, search, helped or not helped",
                    ApiSchemaRef.InputOf(SupportModel.SelfServiceType),
                    ApiSchemaRef.Complete(ApiSchemaRef.EntryOf(SupportModel.SelfServiceType))
                )
                .WithProblems(404),
            new()
            {
                OperationId = "GetSupportContext",
                Method = "GET",
                Route = Context,
                Tag = ApiTags.Customers,
                Summary = "A customer's whole support context in one call",
                Description =
                    "The profile, open and past tickets (newest first), recent interactions and self-service events, and the most recent "
                    + "behavioural events of the timeline. For support agents.",
                Responses = [new(200, "The context.") { Schema = ApiSchemaRef.Inline(ContextSchema) }],
                Problems = [400, 404],
            },
        ];

    private static OpenApiSchema ContextSchema() =>
        new()
        {
            Type = JsonSchemaType.Object,
            AdditionalPropertiesAllowed = false,
            Required = new SortedSet<string>(
                ["profile", "orders", "openTickets", "pastTickets", "interactions", "selfService", "timeline"],
                StringComparer.Ordinal
            ),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["profile"] = AnyObject("The customer entry."),
                ["orders"] = ArrayOf(
                    "The customer's most recent orders, newest first (order entries: number, status, items, totals, currency)."
                ),
                ["openTickets"] = ArrayOf("Tickets in new, open or awaiting_customer, newest first (support-ticket entries)."),
                ["pastTickets"] = ArrayOf("Resolved and closed tickets, newest first (support-ticket entries)."),
                ["interactions"] = ArrayOf("The most recent interaction-event entries, newest first."),
                ["selfService"] = ArrayOf("The most recent self-service-event entries, newest first."),
                ["timeline"] = ArrayOf("The most recent behavioural events, newest first (as in the timeline)."),
            },
        };

    private static OpenApiSchema AnyObject(string description) => new() { Type = JsonSchemaType.Object, Description = description };

    private static OpenApiSchema ArrayOf(string description) =>
        new()
        {
            Type = JsonSchemaType.Array,
            Description = description,
            Items = new OpenApiSchema { Type = JsonSchemaType.Object },
        };
}
