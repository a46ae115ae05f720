using Cx.Core.Identity;
using Cx.Core.Support;
using Cx.Http.Security;
using Cx.Http.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Support;

/// <summary>The support model: a customer's tickets, interactions, self-service events and the agent's context call.</summary>
public sealed class SupportFunctions(SupportEndpoints endpoints, DeflectionReportWriter deflection)
{
    [Access(Permissions.TicketsRead, Self = "customerId")]
    [Function(nameof(ListCustomerTickets))]
    public Task<IResult> ListCustomerTickets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SupportRoutes.Tickets)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.ListTicketsAsync(request, customerId, cancellationToken);

    [Access(Permissions.TicketsWrite)]
    [Function(nameof(CreateCustomerTicket))]
    public Task<IResult> CreateCustomerTicket(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SupportRoutes.Tickets)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.CreateTicketAsync(request, customerId, cancellationToken);

    [Access(Permissions.TicketsRead, Self = "customerId")]
    [Function(nameof(GetCustomerTicket))]
    public Task<IResult> GetCustomerTicket(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SupportRoutes.TicketById)] HttpRequest request,
        string customerId,
        string ticketId,
        CancellationToken cancellationToken
    ) => endpoints.GetTicketAsync(request, customerId, ticketId, cancellationToken);

    [Access(Permissions.TicketsWrite)]
    [Function(nameof(PatchCustomerTicket))]
    public Task<IResult> PatchCustomerTicket(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = SupportRoutes.TicketById)] HttpRequest request,
        string customerId,
        string ticketId,
        CancellationToken cancellationToken
    ) => endpoints.PatchTicketAsync(request, customerId, ticketId, cancellationToken);

    [Access(Permissions.TicketsWrite)]
    [Function(nameof(RecordCustomerInteraction))]
    public Task<IResult> RecordCustomerInteraction(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SupportRoutes.Interactions)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.RecordInteractionAsync(request, customerId, cancellationToken);

    [Access(Permissions.EventsWrite, Self = "customerId")]
    [Function(nameof(RecordSelfServiceEvent))]
    public Task<IResult> RecordSelfServiceEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SupportRoutes.SelfServiceEvents)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.RecordSelfServiceAsync(request, customerId, cancellationToken);

    [Access(Permissions.TicketsRead)]
    [Function(nameof(GetSupportContext))]
    public Task<IResult> GetSupportContext(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SupportRoutes.Context)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.GetContextAsync(request, customerId, cancellationToken);

    /// <summary>
    /// Daily at 00:20 UTC: the deflection report of every self-service article or form for each recent
    /// complete UTC day, written as <c>deflection-report</c> entries (replaced on re-runs).
    /// </summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(WriteDeflectionReports))]
    public Task WriteDeflectionReports([TimerTrigger("0 20 0 * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        deflection.WriteRecentAsync(cancellationToken);
}
