using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Rules;
using Cx.Http.Paging;
using Cx.Http.Problems;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Cx.Http.Routes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Endpoints;

/// <summary>
/// HTTP handling of behavioural events: capture (<c>POST /api/v1/events</c>), identify, event
/// types, a customer's timeline and behavioural aggregates, and the stream status.
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
    EventTypeRegistry registry,
    IEventStream stream,
    ITimelineReader timeline,
    IBehaviorStore behavior,
    TimeProvider time,
    IOptions<EventOptions> eventOptions,
    IOptions<HttpOptions> httpOptions,
    IOptions<ContentOptions> contentOptions
)
{
    private const int MaxTimelinePage = 200;
    private const int DefaultTimelinePage = 50;

    public async Task<IResult> IngestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckJsonMediaType(request);
        var limits = eventOptions.Value;
        var (buffer, length) = await ReadBodyAsync(request, limits.MaxBatchBytes, cancellationToken);
        try
        {
            using var document = Parse(buffer.AsMemory(0, length));
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
                if (length > limits.MaxEventBytes)
                {
                    throw new PayloadTooLargeException(limits.MaxEventBytes);
                }
                single = true;
                inputs.Add(new EventInput(root, "", length));
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
                    writer.WriteString("receivedAt", EntryValidator.FormatInstant(result.ReceivedAt));
                    writer.WriteEndObject();
                }
            );
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
        return new JsonWriterResult(
            StatusCodes.Status200OK,
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("anonymousId", result.AnonymousId);
                writer.WriteString("customerId", result.CustomerId);
                writer.WriteBoolean("linked", result.Linked);
                writer.WriteEndObject();
            }
        );
    }

    public async Task<IResult> StatusAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var status = await stream.GetStatusAsync(cancellationToken);
        return new JsonWriterResult(
            StatusCodes.Status200OK,
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("provider", status.Provider);
                writer.WriteNumber("appended", status.Appended);
                writer.WriteNumber("processed", status.Processed);
                writer.WriteNumber("lag", status.Lag);
                writer.WriteEndObject();
            }
        );
    }

    // ---------------------------------------------------------------- event types

    public async Task<IResult> ListTypesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(
            request,
            contentOptions.Value,
            EventTypeRegistry.Document,
            "Event types are listed by key; use limit and cursor."
        );
        var (items, next) = await registry.ListAsync(page.Limit, page.After, cancellationToken);
        return new PageResult(items, page.NextCursor(next));
    }

    public async Task<IResult> GetTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var document = (await registry.GetAsync(key, cancellationToken)).Document;
        return ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new DocumentResult(document);
    }

    public async Task<IResult> CreateTypeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await registry.CreateAsync(DefinitionDocuments.FromRequest<EventTypeDefinition>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, EventRoutes.TypeLocation(saved.Definition.Key));
    }

    public async Task<IResult> ReplaceTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await registry.ReplaceAsync(
            key,
            DefinitionDocuments.FromRequest<EventTypeDefinition>(body),
            ifMatch,
            cancellationToken
        );
        return new DocumentResult(saved.Document);
    }

    public async Task<IResult> DeleteTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await registry.DeleteAsync(key, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    /// <summary>The settings document, or the defaults from configuration (no ETag) while none was saved.</summary>
    public async Task<IResult> GetTypeSettingsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var settings = await registry.GetSettingsAsync(cancellationToken);
        if (settings is not null)
        {
            return ETags.IfNoneMatch(request, settings.Document.ETag)
                ? new NotModifiedResult(settings.Document.ETag)
                : new DocumentResult(settings.Document);
        }
        var unknownTypes = eventOptions.Value.UnknownTypes;
        return new JsonWriterResult(
            StatusCodes.Status200OK,
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("id", EventTypeRegistry.SettingsId);
                writer.WriteString("type", EventTypeRegistry.SettingsDocument);
                writer.WriteNumber("schemaVersion", 1);
                writer.WriteString("unknownTypes", unknownTypes == UnknownEventTypePolicy.Custom ? "custom" : "reject");
                writer.WriteEndObject();
            }
        );
    }

    public async Task<IResult> PutTypeSettingsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await registry.SaveSettingsAsync(DefinitionDocuments.FromRequest<EventTypeSettings>(body), ifMatch, cancellationToken);
        return new DocumentResult(saved.Document);
    }

    // ---------------------------------------------------------------- customer reads

    /// <summary><c>GET customers/{id}/timeline?type=&amp;limit=&amp;cursor=</c>: newest first, merged anonymous history included.</summary>
    public async Task<IResult> TimelineAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, ["type", "limit", "cursor"]);
        var limit = DefaultTimelinePage;
        if (query.TryGetValue("limit", out var limitText))
        {
            if (
                !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                || limit < 1
                || limit > MaxTimelinePage
            )
            {
                throw new ValidationException(
                    new FieldError("limit", "range", $"limit is between 1 and {MaxTimelinePage}.", ErrorLocation.Query)
                );
            }
        }
        query.TryGetValue("type", out var type);
        var fingerprint = CursorCodec.Fingerprint("timeline", [customerId, type ?? ""]);
        TimelinePosition? after = null;
        if (query.TryGetValue("cursor", out var cursor))
        {
            var keyset = CursorCodec.Decode(cursor, fingerprint);
            if (keyset.Values.Count != 1 || keyset.Values[0].Kind != ScalarKind.Number)
            {
                throw new ValidationException(
                    new FieldError("cursor", "invalid-cursor", "The cursor is not one this API issued.", ErrorLocation.Query)
                );
            }
            after = new TimelinePosition((long)keyset.Values[0].AsNumber, keyset.Id);
        }
        var page = await timeline.ReadTimelineAsync(customerId, type, limit, after, cancellationToken);
        var next = page.Next is null
            ? null
            : CursorCodec.Encode(new Core.Documents.Keyset([ScalarValue.From(page.Next.TimestampMs)], page.Next.Key), fingerprint);
        return new JsonWriterResult(
            StatusCodes.Status200OK,
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("items");
                foreach (var e in page.Items)
                {
                    writer.WriteStartObject();
                    writer.WriteString("eventId", e.Id);
                    writer.WriteString("type", e.Type);
                    if (e.CustomerId is not null)
                    {
                        writer.WriteString("customerId", e.CustomerId);
                    }
                    if (e.AnonymousId is not null)
                    {
                        writer.WriteString("anonymousId", e.AnonymousId);
                    }
                    writer.WriteString("timestamp", EntryValidator.FormatInstant(e.Timestamp));
                    writer.WriteString("receivedAt", EntryValidator.FormatInstant(e.ReceivedAt));
                    if (e.Page is not null)
                    {
                        writer.WriteString("page", e.Page);
                    }
                    if (e.Custom)
                    {
                        writer.WriteBoolean("custom", true);
                    }
                    writer.WritePropertyName("properties");
                    writer.WriteRawValue(e.Properties.Span, skipInputValidation: true);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                if (next is null)
                {
                    writer.WriteNull("nextCursor");
                }
                else
                {
                    writer.WriteString("nextCursor", next);
                }
                writer.WriteEndObject();
            }
        );
    }

    /// <summary>
    /// <c>GET customers/{id}/behavior?event=purchase&amp;aggregate=sum&amp;property=amount&amp;window=P90D&amp;asOf=</c>:
    /// one behavioural aggregate, exact over <c>(asOf - window, asOf]</c> (asOf defaults to now).
    /// </summary>
    public async Task<IResult> BehaviorAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, ["event", "aggregate", "property", "window", "asOf"]);
        var errors = new List<FieldError>();
        if (
            !query.TryGetValue("event", out var eventType)
            || (eventType != BehaviorQuery.AnyEventType && !EventTypeRegistry.IsEventTypeKey(eventType))
        )
        {
            errors.Add(
                new FieldError("event", "required", "event names an event type, such as purchase, or * for any.", ErrorLocation.Query)
            );
        }
        var aggregate = BehaviorAggregate.Count;
        if (
            query.TryGetValue("aggregate", out var aggregateText) && !Enum.TryParse(aggregateText, ignoreCase: true, out aggregate)
            || !Enum.IsDefined(aggregate)
        )
        {
            errors.Add(
                new FieldError(
                    "aggregate",
                    "value",
                    "aggregate is one of count, sum, min, max, avg, distinct, first, last.",
                    ErrorLocation.Query
                )
            );
        }
        query.TryGetValue("property", out var property);
        if (property is not null && !EventTypeRegistry.IsPropertyName(property))
        {
            errors.Add(new FieldError("property", "name", "property names a top-level event property.", ErrorLocation.Query));
        }
        TimeSpan? window = null;
        if (query.TryGetValue("window", out var windowText))
        {
            if (IsoDuration.TryParse(windowText, out var parsed))
            {
                window = parsed;
            }
            else
            {
                errors.Add(
                    new FieldError("window", "duration", "window is an ISO 8601 duration such as P90D, P7D or PT24H.", ErrorLocation.Query)
                );
            }
        }
        var asOf = time.GetUtcNow();
        if (query.TryGetValue("asOf", out var asOfText) && !EntryValidator.TryParseInstant(asOfText, out asOf))
        {
            errors.Add(new FieldError("asOf", "date-time", "asOf is an ISO 8601 instant.", ErrorLocation.Query));
        }
        var behaviorQuery = new BehaviorQuery(eventType ?? "", aggregate, property, window);
        if (behaviorQuery.NeedsProperty && property is null)
        {
            errors.Add(
                new FieldError("property", "required", $"{aggregate.ToString().ToLowerInvariant()} needs a property.", ErrorLocation.Query)
            );
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        var result = await behavior.AggregateAsync(customerId, behaviorQuery, asOf, cancellationToken);
        return new JsonWriterResult(
            StatusCodes.Status200OK,
            writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("customerId", customerId);
                writer.WriteString("event", behaviorQuery.EventType);
                writer.WriteString("aggregate", aggregate.ToString().ToLowerInvariant());
                if (property is not null)
                {
                    writer.WriteString("property", property);
                }
                if (window is { } w)
                {
                    writer.WriteString("window", IsoDuration.Format(w));
                }
                writer.WriteString("asOf", EntryValidator.FormatInstant(asOf));
                writer.WriteNumber("count", result.Count);
                writer.WritePropertyName("value");
                switch (aggregate)
                {
                    case BehaviorAggregate.First or BehaviorAggregate.Last:
                        if (result.At is { } at)
                        {
                            writer.WriteStringValue(EntryValidator.FormatInstant(at));
                        }
                        else
                        {
                            writer.WriteNullValue();
                        }
                        break;
                    default:
                        if (result.Number is { } number)
                        {
                            writer.WriteNumberValue(number);
                        }
                        else
                        {
                            writer.WriteNullValue();
                        }
                        break;
                }
                if (
                    aggregate is BehaviorAggregate.Distinct
                    || (aggregate is BehaviorAggregate.First or BehaviorAggregate.Last && property is not null)
                )
                {
                    writer.WriteStartArray("values");
                    foreach (var value in result.Values)
                    {
                        writer.WriteStringValue(value);
                    }
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
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

    private JsonDocument Parse(ReadOnlyMemory<byte> utf8)
    {
        if (utf8.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MalformedJsonException("A JSON body is required.");
        }
        try
        {
            return JsonDocument.Parse(
                utf8,
                new JsonDocumentOptions
                {
                    MaxDepth = httpOptions.Value.MaxJsonDepth,
                    AllowDuplicateProperties = false,
                    AllowTrailingCommas = false,
                    CommentHandling = JsonCommentHandling.Disallow,
                }
            );
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
            var reason = ex
                .Message.Split(" LineNumber:", 2)[0]
                .Split(" Path:", 2)[0]
                .Replace(" Change the reader options.", "", StringComparison.Ordinal);
            throw new MalformedJsonException(
                $"The body is not valid JSON{where}: {reason}",
                new FieldError(DefinitionJson.ToPointer(ex.Path), "malformed-json", reason)
            );
        }
    }

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(
        HttpRequest request,
        int limit,
        CancellationToken cancellationToken
    )
    {
        if (request.ContentLength > limit)
        {
            throw new PayloadTooLargeException(limit);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, (int)(request.ContentLength ?? 16 * 1024) + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return (buffer, length);
                }
                length += read;
                if (length > limit)
                {
                    throw new PayloadTooLargeException(limit);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static void CheckJsonMediaType(HttpRequest request)
    {
        var contentType = request.ContentType;
        var mediaType = contentType?.Split(';', 2)[0].Trim();
        if (!string.Equals(mediaType, RequestBody.Json, StringComparison.OrdinalIgnoreCase))
        {
            throw new UnsupportedMediaTypeException(contentType, [RequestBody.Json]);
        }
    }
}
