using System.Globalization;
using System.Text.Json.Nodes;
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
        var items = new List<TimelineEventView>(page.Items.Count);
        foreach (var e in page.Items)
        {
            items.Add(
                new TimelineEventView(
                    e.Id,
                    e.Type,
                    e.CustomerId,
                    e.AnonymousId,
                    Instants.Format(e.Timestamp),
                    Instants.Format(e.ReceivedAt),
                    e.Page,
                    e.Custom ? true : null,
                    new RawJson(e.Properties)
                )
            );
        }
        return new JsonContractResult<TimelinePageView>(new TimelinePageView(items, next), EventJsonContext.Default.TimelinePageView);
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
        if (query.TryGetValue("asOf", out var asOfText) && !Instants.TryParse(asOfText, out asOf))
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
        JsonNode? value = aggregate is BehaviorAggregate.First or BehaviorAggregate.Last
            ? result.At is { } at
                ? JsonValue.Create(Instants.Format(at))
                : null
            : result.Number is { } number
                ? JsonValue.Create(number)
                : null;
        var listsValues =
            aggregate is BehaviorAggregate.Distinct
            || (aggregate is BehaviorAggregate.First or BehaviorAggregate.Last && property is not null);
        return new JsonContractResult<BehaviorView>(
            new BehaviorView(
                customerId,
                behaviorQuery.EventType,
                aggregate.ToString().ToLowerInvariant(),
                property,
                window is { } w ? IsoDuration.Format(w) : null,
                Instants.Format(asOf),
                result.Count,
                value,
                listsValues ? result.Values : null
            ),
            EventJsonContext.Default.BehaviorView
        );
    }
}
