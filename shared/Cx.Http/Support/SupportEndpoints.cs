using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Support;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Support;

/// <summary>
/// HTTP handling of the support model: a customer's tickets (the workflow is enforced by
/// <see cref="SupportService"/>), interactions, self-service events and the agent's context call.
/// </summary>
public sealed class SupportEndpoints(SupportService support, Cx.Core.Content.ContentTypeRegistry registry, IOptions<HttpOptions> options)
{
    public async Task<IResult> ListTicketsAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        var parameters = ListParameters.Parse(request.Query);
        var scope = SupportModel.TicketType + "/" + customerId;
        var fields = FieldSelection.Parse(parameters.Fields, await registry.GetSchemaAsync(SupportModel.TicketType, cancellationToken));
        var entryRequest = parameters.ToEntryRequest(scope);
        var page = await support.ListTicketsAsync(customerId, entryRequest, cancellationToken);
        var next = page.Next is null ? null : CursorCodec.Encode(page.Next, parameters.FingerprintFor(scope));
        return new PageResult(page.Items, next, fields);
    }

    public async Task<IResult> CreateTicketAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var document = await support.CreateTicketAsync(customerId, body, cancellationToken);
        return new DocumentResult(document, StatusCodes.Status201Created, SupportRoutes.TicketLocation(customerId)(document.Id));
    }

    public async Task<IResult> GetTicketAsync(HttpRequest request, string customerId, string ticketId, CancellationToken cancellationToken)
    {
        var fieldNames = QueryParameters.ReadFields(request);
        var document = await support.GetTicketAsync(customerId, ticketId, cancellationToken);
        if (ETags.IfNoneMatch(request, document.ETag))
        {
            return new NotModifiedResult(document.ETag);
        }
        var fields = fieldNames is null
            ? null
            : FieldSelection.Parse(fieldNames, await registry.GetSchemaAsync(SupportModel.TicketType, cancellationToken));
        return new DocumentResult(document, fields: fields);
    }

    public async Task<IResult> PatchTicketAsync(
        HttpRequest request,
        string customerId,
        string ticketId,
        CancellationToken cancellationToken
    )
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var patch = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken, mergePatch: true);
        return new DocumentResult(await support.PatchTicketAsync(customerId, ticketId, patch, ifMatch, cancellationToken));
    }

    public Task<IResult> RecordInteractionAsync(HttpRequest request, string customerId, CancellationToken cancellationToken) =>
        RecordAsync(request, SupportModel.InteractionType, customerId, cancellationToken);

    public Task<IResult> RecordSelfServiceAsync(HttpRequest request, string customerId, CancellationToken cancellationToken) =>
        RecordAsync(request, SupportModel.SelfServiceType, customerId, cancellationToken);

    private async Task<IResult> RecordAsync(HttpRequest request, string typeKey, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var document = await support.RecordAsync(typeKey, customerId, body, cancellationToken);
        // Read back through the content API (with tickets:read) or the support context.
        var location = ApiRoutes.Path("v1/content/" + typeKey + "/" + Uri.EscapeDataString(document.Id));
        return new DocumentResult(document, StatusCodes.Status201Created, location);
    }

    /// <summary><c>GET customers/{id}/support-context</c>: profile, tickets, interactions, self-service and recent events.</summary>
    public async Task<IResult> GetContextAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var context = await support.GetContextAsync(customerId, cancellationToken);
        return new JsonWriterResult(
            StatusCodes.Status200OK,
            writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("profile"u8);
                writer.WriteRawValue(context.Profile.Json.Span, skipInputValidation: true);
                WriteDocuments(writer, "orders", context.Orders);
                WriteDocuments(writer, "openTickets", context.OpenTickets);
                WriteDocuments(writer, "pastTickets", context.PastTickets);
                WriteDocuments(writer, "interactions", context.Interactions);
                WriteDocuments(writer, "selfService", context.SelfService);
                writer.WriteStartArray("timeline"u8);
                foreach (var e in context.Timeline)
                {
                    writer.WriteStartObject();
                    writer.WriteString("eventId"u8, e.Id);
                    writer.WriteString("type"u8, e.Type);
                    if (e.CustomerId is not null)
                    {
                        writer.WriteString("customerId"u8, e.CustomerId);
                    }
                    if (e.AnonymousId is not null)
                    {
                        writer.WriteString("anonymousId"u8, e.AnonymousId);
                    }
                    writer.WriteString("timestamp"u8, Instants.Format(e.Timestamp));
                    writer.WriteString("receivedAt"u8, Instants.Format(e.ReceivedAt));
                    if (e.Page is not null)
                    {
                        writer.WriteString("page"u8, e.Page);
                    }
                    writer.WritePropertyName("properties"u8);
                    writer.WriteRawValue(e.Properties.Span, skipInputValidation: true);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
        );
    }

    private static void WriteDocuments(Utf8JsonWriter writer, string name, IReadOnlyList<StoredDocument> documents)
    {
        writer.WriteStartArray(name);
        foreach (var document in documents)
        {
            writer.WriteRawValue(document.Json.Span, skipInputValidation: true);
        }
        writer.WriteEndArray();
    }
}
