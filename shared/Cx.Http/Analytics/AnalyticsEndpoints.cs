using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Analytics;

/// <summary>
/// HTTP handling of the analytics read API: roll-up series (<c>GET /analytics/rollups</c>) and
/// funnels (<c>POST /analytics/funnels</c>, a query body). Every query string and body is checked
/// strictly: unknown or repeated parameters, bad instants and durations and ranges beyond the
/// limits are 400 problems naming the parameter or pointer; nothing is written.
/// </summary>
public sealed class AnalyticsEndpoints(
    RollupSeriesService rollups,
    FunnelService funnels,
    EventTypeRegistry eventTypes,
    TimeProvider time,
    IOptions<AnalyticsOptions> analyticsOptions,
    IOptions<HttpOptions> httpOptions
)
{
    private static readonly string[] RollupParameters = ["event", "granularity", "from", "to", "breakdown", "name"];
    private static readonly string[] FunnelProperties = ["steps", "window", "from", "to"];

    // ---------------------------------------------------------------- roll-ups

    /// <summary><c>GET analytics/rollups?event=&amp;granularity=&amp;from=&amp;to=&amp;breakdown=&amp;name=</c>.</summary>
    public async Task<IResult> RollupsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, RollupParameters);
        var errors = new List<FieldError>();
        var eventType = query.GetValueOrDefault("event");
        if (eventType is null)
        {
            errors.Add(AnalyticsInput.Query("event", "required", "event names an event type, such as purchase."));
        }
        else if (!EventTypeRegistry.IsEventTypeKey(eventType))
        {
            errors.Add(AnalyticsInput.Query("event", "event-type", "event is an event type: [a-z][a-z0-9_.-]{0,63}."));
        }
        Granularity? granularity = query.GetValueOrDefault("granularity") switch
        {
            "minute" => Granularity.Minute,
            "hour" => Granularity.Hour,
            "day" => Granularity.Day,
            _ => null,
        };
        if (granularity is null)
        {
            errors.Add(
                AnalyticsInput.Query(
                    "granularity",
                    query.ContainsKey("granularity") ? "enum" : "required",
                    "granularity is minute, hour or day."
                )
            );
        }
        RollupBreakdown? breakdown = query.GetValueOrDefault("breakdown", "total") switch
        {
            "total" => RollupBreakdown.Total,
            "page" => RollupBreakdown.Page,
            "dimension" => RollupBreakdown.Dimension,
            _ => null,
        };
        if (breakdown is null)
        {
            errors.Add(AnalyticsInput.Query("breakdown", "enum", "breakdown is total, page or dimension."));
        }
        else if (breakdown != RollupBreakdown.Total && granularity == Granularity.Minute)
        {
            errors.Add(
                AnalyticsInput.Query("breakdown", "granularity", "Minute buckets keep totals only; break down hour or day buckets.")
            );
        }
        var name = query.GetValueOrDefault("name");
        if (breakdown == RollupBreakdown.Dimension && name is null)
        {
            errors.Add(AnalyticsInput.Query("name", "required", "breakdown=dimension needs name, one of the type's rollupDimensions."));
        }
        else if (breakdown == RollupBreakdown.Dimension && !EventTypeRegistry.IsPropertyName(name))
        {
            errors.Add(AnalyticsInput.Query("name", "name", "name is a property name."));
        }
        else if (breakdown is not RollupBreakdown.Dimension && name is not null)
        {
            errors.Add(AnalyticsInput.Query("name", "not-allowed", "name goes with breakdown=dimension only."));
        }
        var (from, to) = AnalyticsInput.ReadRange(query, time, errors, ErrorLocation.Query);
        if (errors.Count == 0)
        {
            AnalyticsInput.CheckRange(
                from,
                to,
                RollupSeriesService.MaxRange(granularity!.Value),
                errors,
                ErrorLocation.Query,
                AnalyticsInput.UnitOf(granularity.Value)
            );
            var minuteRetention = TimeSpan.FromDays(analyticsOptions.Value.MinuteRollupRetentionDays);
            if (granularity == Granularity.Minute && from < time.GetUtcNow() - minuteRetention)
            {
                errors.Add(
                    AnalyticsInput.Query(
                        "from",
                        "retention",
                        $"Minute buckets are kept for {analyticsOptions.Value.MinuteRollupRetentionDays} days; use hour or day for older data."
                    )
                );
            }
        }
        if (errors.Count == 0 && breakdown == RollupBreakdown.Dimension)
        {
            var type = await eventTypes.FindAsync(eventType!, cancellationToken);
            if (type is null || !type.RollupDimensions.Contains(name!))
            {
                errors.Add(
                    AnalyticsInput.Query("name", "not-a-dimension", $"'{name}' is not a rollupDimension of the event type '{eventType}'.")
                );
            }
        }
        AnalyticsInput.ThrowIfAny(errors);

        var series = await rollups.ReadAsync(
            new RollupQuery(eventType!, granularity!.Value, from, to, breakdown!.Value, name),
            cancellationToken
        );
        if (series.Points.Count > RollupSeriesService.MaxBreakdownPoints)
        {
            throw new ValidationException(
                AnalyticsInput.Query(
                    "from",
                    "too-many-points",
                    $"The breakdown has more than {RollupSeriesService.MaxBreakdownPoints} (bucket, value) pairs; narrow the range or use a coarser granularity."
                ),
                "The query string is not valid."
            );
        }
        var buckets = new List<RollupBucketView>(series.Points.Count);
        foreach (var point in series.Points)
        {
            buckets.Add(
                new RollupBucketView(
                    Instants.Format(point.BucketStart),
                    breakdown == RollupBreakdown.Total ? null : point.Value,
                    point.Count,
                    point.Sum
                )
            );
        }
        return new JsonContractResult<RollupSeriesView>(
            new RollupSeriesView(
                eventType!,
                granularity.Value.ToString().ToLowerInvariant(),
                breakdown.Value.ToString().ToLowerInvariant(),
                name,
                Instants.Format(from),
                Instants.Format(to),
                series.Count,
                series.Sum,
                buckets
            ),
            AnalyticsJsonContext.Default.RollupSeriesView
        );
    }

    // ---------------------------------------------------------------- funnels

    /// <summary><c>POST analytics/funnels</c> with <c>{"steps": [{"event"}...], "window", "from", "to"?}</c>.</summary>
    public async Task<IResult> FunnelAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var (property, _) in body)
        {
            if (!FunnelProperties.Contains(property))
            {
                errors.Add(new FieldError("/" + property, "unknown-field", "A funnel has steps, window, from and to."));
            }
        }
        var steps = ReadSteps(body, errors);
        TimeSpan window = default;
        var windowText = ReadString(body, "window", required: true, errors);
        if (windowText is not null && (!IsoDuration.TryParse(windowText, out window) || window > FunnelQuery.MaxWindow))
        {
            errors.Add(
                new FieldError(
                    "/window",
                    "duration",
                    "window is an ISO 8601 duration of at most 90 days (days, hours, minutes, seconds), such as P7D or PT30M."
                )
            );
        }
        var range = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (string[])["from", "to"])
        {
            if (ReadString(body, name, required: name == "from", errors) is { } text)
            {
                range[name] = text;
            }
        }
        var (from, to) = errors.Any(e => e.Path is "/from" or "/to")
            ? default
            : AnalyticsInput.ReadRange(range, time, errors, ErrorLocation.Body);
        if (errors.Count == 0)
        {
            AnalyticsInput.CheckRange(
                from,
                to,
                TimeSpan.FromDays(analyticsOptions.Value.MaxFunnelRangeDays),
                errors,
                ErrorLocation.Body,
                "days"
            );
        }
        AnalyticsInput.ThrowIfAny(errors, "The funnel is not valid.");

        var result = await funnels.RunAsync(new FunnelQuery(steps, window, from, to), cancellationToken);
        return new JsonContractResult<FunnelView>(
            new FunnelView(
                Instants.Format(from),
                Instants.Format(to),
                IsoDuration.Format(window),
                [
                    .. result.Steps.Select(step => new FunnelStepView(
                        step.Step.EventTypes[0],
                        step.Count,
                        step.ConversionFromFirst,
                        step.ConversionFromPrevious,
                        step.DropOff,
                        step.DropOffRate
                    )),
                ]
            ),
            AnalyticsJsonContext.Default.FunnelView
        );
    }

    private static List<FunnelStep> ReadSteps(JsonObject body, List<FieldError> errors)
    {
        var steps = new List<FunnelStep>();
        if (!body.TryGetPropertyValue("steps", out var node) || node is null)
        {
            errors.Add(new FieldError("/steps", "required", "steps is an array of 2-10 steps such as {\"event\": \"page_view\"}."));
            return steps;
        }
        if (node.GetValueKind() != JsonValueKind.Array)
        {
            errors.Add(new FieldError("/steps", "type", "steps is an array of 2-10 steps such as {\"event\": \"page_view\"}."));
            return steps;
        }
        var array = node.AsArray();
        if (array.Count < FunnelQuery.MinSteps)
        {
            errors.Add(new FieldError("/steps", "min-items", $"A funnel has at least {FunnelQuery.MinSteps} steps."));
        }
        else if (array.Count > FunnelQuery.MaxSteps)
        {
            errors.Add(new FieldError("/steps", "max-items", $"A funnel has at most {FunnelQuery.MaxSteps} steps."));
        }
        for (var i = 0; i < array.Count; i++)
        {
            var pointer = $"/steps/{i}";
            if (array[i] is not JsonObject step)
            {
                errors.Add(new FieldError(pointer, "type", "A step is an object such as {\"event\": \"purchase\"}."));
                continue;
            }
            foreach (var (property, _) in step)
            {
                if (property != "event")
                {
                    errors.Add(
                        new FieldError(
                            $"{pointer}/{property}",
                            "unknown-field",
                            "A step names one event type; occurrence data carries no properties to filter on."
                        )
                    );
                }
            }
            if (!step.TryGetPropertyValue("event", out var eventNode) || eventNode is null)
            {
                errors.Add(new FieldError(pointer + "/event", "required", "A step names an event type."));
            }
            else if (eventNode.GetValueKind() != JsonValueKind.String || !EventTypeRegistry.IsEventTypeKey(eventNode.GetValue<string>()))
            {
                errors.Add(new FieldError(pointer + "/event", "event-type", "An event type: [a-z][a-z0-9_.-]{0,63}."));
            }
            else
            {
                steps.Add(FunnelStep.Of(eventNode.GetValue<string>()));
            }
        }
        return steps;
    }

    private static string? ReadString(JsonObject body, string name, bool required, List<FieldError> errors)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                errors.Add(new FieldError("/" + name, "required", $"'{name}' is required."));
            }
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(new FieldError("/" + name, "type", $"'{name}' is a string."));
            return null;
        }
        return node.GetValue<string>();
    }
}
