using System.Globalization;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Rules;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Events;

/// <summary>
/// HTTP handling of a customer's behaviour: the timeline of events (merged anonymous history
/// included) and behavioural aggregates, exact over a window.
/// </summary>
public sealed class CustomerBehaviorEndpoints(ITimelineReader timeline, IBehaviorStore behavior, TimeProvider time)
{
    private const int MaxTimelinePage = 200;
    private const int DefaultTimelinePage = 50;

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
}
