using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Profiles;
using Microsoft.Extensions.Options;

namespace Cx.Core.Support;

/// <summary>A customer's support context: profile, recent orders, tickets, recent interactions and behaviour.</summary>
public sealed record SupportContext(
    StoredDocument Profile,
    IReadOnlyList<StoredDocument> Orders,
    IReadOnlyList<StoredDocument> OpenTickets,
    IReadOnlyList<StoredDocument> PastTickets,
    IReadOnlyList<StoredDocument> Interactions,
    IReadOnlyList<StoredDocument> SelfService,
    IReadOnlyList<TrackedEvent> Timeline
);

/// <summary>
/// Tickets, interactions and self-service events of one customer. The types are system-written,
/// so every write goes through here: the customer comes from the route, system fields cannot be
/// set, and each status change is checked against the workflow before anything is written (the
/// write is conditional on the version that was checked, so a racing change cannot slip past).
/// </summary>
public sealed class SupportService(EntryService entries, ITimelineReader timeline, TimeProvider time, IOptions<SupportOptions> options)
{
    public async Task<StoredDocument> CreateTicketAsync(string customerId, JsonObject body, CancellationToken cancellationToken)
    {
        RejectSystemFields(SupportModel.Ticket, body);
        if (body.TryGetPropertyValue("status", out var status) && status is not null && !IsString(status, "new"))
        {
            throw new ConflictException(
                "invalid-transition",
                "A new ticket starts as 'new'.",
                [new FieldError("/status", "transition", "A new ticket starts as 'new'; allowed: new.")]
            );
        }
        await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);
        body["customer"] = customerId;
        body["openedAt"] = Instants.Format(time.GetUtcNow());
        return await entries.CreateAsync(SupportModel.TicketType, body, cancellationToken, WriteActor.System);
    }

    public async Task<StoredDocument> GetTicketAsync(string customerId, string ticketId, CancellationToken cancellationToken)
    {
        var document = await entries.GetAsync(SupportModel.TicketType, ticketId, cancellationToken);
        if (ReadString(document, "customer") != customerId)
        {
            throw new NotFoundException(SupportModel.Ticket.DisplayName, ticketId);
        }
        return document;
    }

    /// <summary>A merge patch of a ticket; a status change must follow the workflow (409 naming <c>/status</c> otherwise).</summary>
    public async Task<StoredDocument> PatchTicketAsync(
        string customerId,
        string ticketId,
        JsonObject patch,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        RejectSystemFields(SupportModel.Ticket, patch);
        var current = await GetTicketAsync(customerId, ticketId, cancellationToken);
        if (ifMatch is not null && ifMatch != "*" && ifMatch != current.ETag)
        {
            throw new PreconditionFailedException("The ticket changed since it was read; read it again.");
        }
        if (patch.TryGetPropertyValue("status", out var node))
        {
            var from = ReadString(current, "status") ?? "new";
            var allowed = SupportModel.AllowedFrom(from);
            if (node is null)
            {
                throw new ValidationException(new FieldError("/status", "required", "A ticket always has a status."));
            }
            if (node.GetValueKind() == JsonValueKind.String && SupportModel.Statuses.Contains(node.GetValue<string>()))
            {
                var to = node.GetValue<string>();
                if (!SupportModel.CanMove(from, to))
                {
                    var list = allowed.Count == 0 ? "none (closed is final)" : string.Join(", ", allowed);
                    throw new ConflictException(
                        "invalid-transition",
                        $"A ticket cannot move from '{from}' to '{to}'.",
                        [new FieldError("/status", "transition", $"From '{from}' a ticket may move to: {list}.")]
                    );
                }
            }
            // Anything else is not a status at all: the entry validator answers 400 with the allowed values.
        }
        return await entries.PatchAsync(SupportModel.TicketType, ticketId, patch, current.ETag, cancellationToken, WriteActor.System);
    }

    public Task<DocumentPage> ListTicketsAsync(string customerId, EntryListRequest request, CancellationToken cancellationToken) =>
        ListForCustomerAsync(SupportModel.TicketType, customerId, request, cancellationToken);

    /// <summary>Records an interaction or self-service event of the customer, stamped now.</summary>
    public async Task<StoredDocument> RecordAsync(string typeKey, string customerId, JsonObject body, CancellationToken cancellationToken)
    {
        var type =
            typeKey == SupportModel.InteractionType ? SupportModel.Interaction
            : typeKey == SupportModel.SelfServiceType ? SupportModel.SelfService
            : throw new ArgumentOutOfRangeException(nameof(typeKey), typeKey, "Not a support event type.");
        RejectSystemFields(type, body);
        if (body.TryGetPropertyValue("ticket", out var ticket) && ticket is not null && ticket.GetValueKind() == JsonValueKind.String)
        {
            // A ticket of another customer is as good as missing.
            var ticketId = ticket.GetValue<string>();
            if (Ids.IsValidClientId(ticketId))
            {
                try
                {
                    await GetTicketAsync(customerId, ticketId, cancellationToken);
                }
                catch (NotFoundException)
                {
                    throw new ValidationException(new FieldError("/ticket", "relation", $"No ticket '{ticketId}' of this customer."));
                }
            }
        }
        await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);
        body["customer"] = customerId;
        body["at"] = Instants.Format(time.GetUtcNow());
        return await entries.CreateAsync(typeKey, body, cancellationToken, WriteActor.System);
    }

    /// <summary>
    /// A ticket kept in step with another tool (inbound webhooks): created under
    /// <paramref name="ticketId"/> (derived from the tool's id, so a racing copy of the same delivery
    /// cannot create a second one) with the tool's id in <c>externalIds</c>, else patched with the
    /// fields that changed. The tool owns the ticket's status, so its moves are taken as they come
    /// (no workflow check); nothing is written when nothing changed. With <paramref name="createOnly"/>
    /// an existing ticket is left as it is.
    /// </summary>
    public async Task<StoredDocument> SyncTicketAsync(
        string customerId,
        string ticketId,
        string system,
        string externalId,
        JsonObject fields,
        CancellationToken cancellationToken,
        bool createOnly = false
    )
    {
        for (var attempt = 0; ; attempt++)
        {
            StoredDocument? current = null;
            try
            {
                current = await entries.GetAsync(SupportModel.TicketType, ticketId, cancellationToken);
            }
            catch (NotFoundException) { }
            if (current is null)
            {
                var body = (JsonObject)fields.DeepClone();
                body["id"] = ticketId;
                body["customer"] = customerId;
                body["openedAt"] = Instants.Format(time.GetUtcNow());
                body["externalIds"] = new JsonArray(new JsonObject { ["system"] = system, ["id"] = externalId });
                try
                {
                    return await entries.CreateAsync(SupportModel.TicketType, body, cancellationToken, WriteActor.System);
                }
                catch (DocumentExistsException) when (attempt == 0)
                {
                    continue; // created meanwhile by the same delivery: patch it
                }
            }
            if (createOnly)
            {
                return current;
            }
            var patch = new JsonObject();
            using (var json = JsonDocument.Parse(current.Json))
            {
                foreach (var (name, value) in fields)
                {
                    var same =
                        json.RootElement.TryGetProperty(name, out var stored)
                        && stored.ValueKind == JsonValueKind.String
                        && value is not null
                        && value.GetValueKind() == JsonValueKind.String
                        && stored.GetString() == value.GetValue<string>();
                    if (!same)
                    {
                        patch[name] = value?.DeepClone();
                    }
                }
            }
            if (patch.Count == 0)
            {
                return current;
            }
            try
            {
                return await entries.PatchAsync(
                    SupportModel.TicketType,
                    ticketId,
                    patch,
                    current.ETag,
                    cancellationToken,
                    WriteActor.System
                );
            }
            catch (PreconditionFailedException) when (attempt < 3)
            {
                // changed meanwhile: read again
            }
        }
    }

    /// <summary>An interaction recorded from another tool under <paramref name="interactionId"/>; the existing one when it is already there.</summary>
    public async Task<StoredDocument> RecordExternalInteractionAsync(
        string customerId,
        string interactionId,
        string system,
        string externalId,
        string? ticketId,
        JsonObject fields,
        CancellationToken cancellationToken
    )
    {
        var body = (JsonObject)fields.DeepClone();
        body["id"] = interactionId;
        body["customer"] = customerId;
        body["at"] = Instants.Format(time.GetUtcNow());
        body["externalIds"] = new JsonArray(new JsonObject { ["system"] = system, ["id"] = externalId });
        if (ticketId is not null)
        {
            body["ticket"] = ticketId;
        }
        try
        {
            return await entries.CreateAsync(SupportModel.InteractionType, body, cancellationToken, WriteActor.System);
        }
        catch (DocumentExistsException)
        {
            return await entries.GetAsync(SupportModel.InteractionType, interactionId, cancellationToken);
        }
    }

    /// <summary>Everything an agent needs about a customer, in one call.</summary>
    public async Task<SupportContext> GetContextAsync(string customerId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var profile = await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);
        var tickets = await ListForCustomerAsync(
            SupportModel.TicketType,
            customerId,
            new EntryListRequest { Sort = ["-openedAt"], Limit = settings.ContextTickets },
            cancellationToken
        );
        var open = new List<StoredDocument>();
        var past = new List<StoredDocument>();
        foreach (var document in tickets.Items)
        {
            (SupportModel.OpenStatuses.Contains(ReadString(document, "status") ?? "new") ? open : past).Add(document);
        }
        var recent = new EntryListRequest { Sort = ["-at"], Limit = settings.ContextRecent };
        var interactions = await ListForCustomerAsync(SupportModel.InteractionType, customerId, recent, cancellationToken);
        var selfService = await ListForCustomerAsync(SupportModel.SelfServiceType, customerId, recent, cancellationToken);
        var orders = await ListForCustomerAsync(
            Orders.OrderModel.TypeKey,
            customerId,
            new EntryListRequest { Sort = ["-createdAt"], Limit = settings.ContextOrders },
            cancellationToken
        );
        var events = await timeline.ReadTimelineAsync(customerId, null, settings.ContextRecent, null, cancellationToken);
        return new SupportContext(profile, orders.Items, open, past, interactions.Items, selfService.Items, events.Items);
    }

    private async Task<DocumentPage> ListForCustomerAsync(
        string typeKey,
        string customerId,
        EntryListRequest request,
        CancellationToken cancellationToken
    )
    {
        var scoped = request with { Filters = [new RawFilter("customer", "eq", customerId, "customer"), .. request.Filters] };
        var (_, page) = await entries.ListAsync(typeKey, scoped, cancellationToken);
        return page;
    }

    /// <summary>System fields (customer, stamps) come from Cx: a body naming one is refused, naming the field.</summary>
    private static void RejectSystemFields(ContentType type, JsonObject body)
    {
        var errors = new List<FieldError>();
        foreach (var field in type.Fields)
        {
            if (field.SystemManaged && body.ContainsKey(field.Name))
            {
                errors.Add(
                    new FieldError("/" + field.Name, "read-only", $"'{field.Name}' is set by Cx (the customer comes from the URL).")
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    private static bool IsString(JsonNode node, string value) =>
        node.GetValueKind() == JsonValueKind.String && node.GetValue<string>() == value;

    private static string? ReadString(StoredDocument document, string property)
    {
        using var json = JsonDocument.Parse(document.Json);
        return json.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }
}
