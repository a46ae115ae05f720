using System.Runtime.InteropServices;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Http.Problems;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Events;

/// <summary>
/// HTTP handling of behavioural events: capture (<c>POST /api/v1/events</c>), identify and the
/// stream status.
/// </summary>
/// <remarks>
/// Capture contract. The body is one event <c>{"type", "customerId" | "anonymousId", "timestamp"?,
/// "eventId"?, "page"?, "properties"?}</c>, or a batch <c>{"events": [...]}</c> (or a bare array)
/// of at most <see cref="EventOptions.MaxBatchEvents"/>. A body over
/// <see cref="EventOptions.MaxBatchBytes"/>, or a single event over <see cref="EventOptions.MaxEventBytes"/>,
/// is a 413. A single invalid event is a 400 problem. A batch answers 202
/// <c>{"accepted": n, "rejected": [{"index", "errors": [{"pointer", "code", "detail"}]}], "receivedAt"}</c>
/// with the valid events durable on the stream, unless every event is invalid (400 problem
/// listing every error with its pointer, such as <c>/events/3/properties/amount</c>).
/// </remarks>
public sealed class EventEndpoints(
    EventIngestionService ingestion,
    IdentityService identity,
    IEventStream stream,
    IOptions<EventOptions> eventOptions,
    IOptions<HttpOptions> httpOptions
)
{
    private static readonly string[] JsonOnly = [RequestBody.Json];

    public async Task<IResult> IngestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        RequestBody.CheckMediaType(request, JsonOnly);
        var limits = eventOptions.Value;
        using var body = await RequestBody.ReadAsync(request, limits.MaxBatchBytes, cancellationToken);
        using var document = RequestBody.ParseDocument(body.Memory, httpOptions.Value.MaxJsonDepth);
        var root = document.RootElement;
        var inputs = new List<EventInput>();
        var single = false;
        if (root.ValueKind == JsonValueKind.Array)
        {
            Collect(root, "", inputs, limits);
        }
        else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out var events))
        {
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name != "events")
                {
                    throw new ValidationException(
                        new FieldError("/" + property.Name, "unknown-field", "A batch body holds only 'events'.")
                    );
                }
            }
            if (events.ValueKind != JsonValueKind.Array)
            {
                throw new ValidationException(new FieldError("/events", "type", "'events' is an array of events."));
            }
            Collect(events, "/events", inputs, limits);
        }
        else if (root.ValueKind == JsonValueKind.Object)
        {
            if (body.Length > limits.MaxEventBytes)
            {
                throw new PayloadTooLargeException(limits.MaxEventBytes);
            }
            single = true;
            inputs.Add(new EventInput(root, "", body.Length));
        }
        else
        {
            throw new MalformedJsonException("The body is an event object, {\"events\": [...]} or an array of events.");
        }

        var result = await ingestion.IngestAsync(inputs, cancellationToken);
        if (result.Accepted == 0)
        {
            throw new ValidationException(
                [.. result.Rejected.SelectMany(r => r.Errors)],
                single ? "The event is not valid." : "No event of the batch is valid."
            );
        }
        // Written without a DTO graph: the capture answer is on the hottest path (ADR 0010).
        return new JsonWriterResult(
            StatusCodes.Status202Accepted,
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("accepted", result.Accepted);
                writer.WriteStartArray("rejected");
                foreach (var rejected in result.Rejected)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("index", rejected.Index);
                    writer.WriteStartArray("errors");
                    foreach (var error in rejected.Errors)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("pointer", error.Path);
                        writer.WriteString("code", error.Code);
                        writer.WriteString("detail", error.Detail);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteString("receivedAt", Instants.Format(result.ReceivedAt));
                writer.WriteEndObject();
            }
        );
    }

    public async Task<IResult> IdentifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        string? Read(string name)
        {
            if (!body.TryGetPropertyValue(name, out var node) || node is null)
            {
                return null;
            }
            if (node.GetValueKind() != JsonValueKind.String)
            {
                errors.Add(new FieldError("/" + name, "type", $"'{name}' must be a string."));
                return null;
            }
            return node.GetValue<string>();
        }
        foreach (var (name, _) in body)
        {
            if (name is not ("anonymousId" or "customerId" or "email" or "authId"))
            {
                errors.Add(
                    new FieldError("/" + name, "unknown-field", "Identify takes anonymousId and one of customerId, email or authId.")
                );
            }
        }
        var identifyRequest = new IdentifyRequest(Read("anonymousId"), Read("customerId"), Read("email"), Read("authId"));
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The identify request is not valid.");
        }
        var result = await identity.IdentifyAsync(identifyRequest, cancellationToken);
        return new JsonContractResult<IdentifiedView>(
            new IdentifiedView(result.AnonymousId, result.CustomerId, result.Linked),
            EventJsonContext.Default.IdentifiedView
        );
    }

    public async Task<IResult> StatusAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var status = await stream.GetStatusAsync(cancellationToken);
        return new JsonContractResult<StreamStatusView>(
            new StreamStatusView(status.Provider, status.Appended, status.Processed, status.Lag),
            EventJsonContext.Default.StreamStatusView
        );
    }

    // ---------------------------------------------------------------- helpers

    private void Collect(JsonElement array, string prefix, List<EventInput> inputs, EventOptions limits)
    {
        var count = array.GetArrayLength();
        if (count == 0)
        {
            throw new ValidationException(new FieldError(prefix, "min-items", "A batch holds at least one event."));
        }
        if (count > limits.MaxBatchEvents)
        {
            throw new ValidationException(
                new FieldError(prefix, "max-items", $"A batch holds at most {limits.MaxBatchEvents} events (got {count}); split it.")
            );
        }
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            inputs.Add(new EventInput(element, JsonPointer.Append(prefix, index++), JsonMarshal.GetRawUtf8Value(element).Length));
        }
    }
}
