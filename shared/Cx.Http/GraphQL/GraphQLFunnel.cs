using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Events;
using Cx.Core.Identity;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Cx.Http.GraphQL;

/// <summary>
/// <c>funnel(startEvent, endEvent)</c> or <c>funnel(steps: [...])</c>: the REST funnel
/// (<c>POST /api/v1/analytics/funnels</c>) through the same <see cref="FunnelService"/> and the same
/// limits (2-10 steps, a window of at most 90 days, a range of at most Cx:Analytics:MaxFunnelRangeDays),
/// answering step, count and conversionRate per step. Needs analytics:read.
/// </summary>
internal static class GraphQLFunnel
{
    /// <summary>The window when none is given.</summary>
    public const string DefaultWindow = "P7D";

    /// <summary>The range when <c>from</c> is not given: the 30 days before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);

    public static FieldType Field()
    {
        var step = new ObjectGraphType { Name = "FunnelStep", Description = "One step of a funnel." };
        step.AddField(Of("step", typeof(NonNullGraphType<IntGraphType>), s => s.Index, "1 for the first step."));
        step.AddField(Of("event", typeof(NonNullGraphType<StringGraphType>), s => s.Outcome.Step.EventTypes[0], "The step's event type."));
        step.AddField(Of("count", typeof(NonNullGraphType<LongGraphType>), s => s.Outcome.Count, "Subjects that reached this step."));
        step.AddField(
            Of(
                "conversionRate",
                typeof(FloatGraphType),
                s => s.Outcome.ConversionFromFirst,
                "count / the first step's count; null when that is 0."
            )
        );
        step.AddField(Of("conversionFromPrevious", typeof(FloatGraphType), s => s.Outcome.ConversionFromPrevious, null));
        step.AddField(Of("dropOff", typeof(NonNullGraphType<LongGraphType>), s => s.Outcome.DropOff, null));
        step.AddField(Of("dropOffRate", typeof(FloatGraphType), s => s.Outcome.DropOffRate, null));

        var funnel = new ObjectGraphType { Name = "Funnel", Description = "A funnel over behavioural events (analytics:read)." };
        funnel.AddField(Field<Answer>("from", typeof(NonNullGraphType<StringGraphType>), a => Instants.Format(a.Funnel.Query.From)));
        funnel.AddField(Field<Answer>("to", typeof(NonNullGraphType<StringGraphType>), a => Instants.Format(a.Funnel.Query.To)));
        funnel.AddField(Field<Answer>("window", typeof(NonNullGraphType<StringGraphType>), a => IsoDuration.Format(a.Funnel.Query.Window)));
        funnel.AddField(
            Field<Answer>(
                "conversionRate",
                typeof(FloatGraphType),
                a => a.Funnel.Steps[^1].ConversionFromFirst,
                "The last step's count / the first step's count."
            )
        );
        funnel.AddField(
            new FieldType
            {
                Name = "steps",
                ResolvedType = new NonNullGraphType(new ListGraphType(new NonNullGraphType(step))),
                Resolver = new FuncFieldResolver<object?>(ctx =>
                    ((Answer)ctx.Source!).Funnel.Steps.Select((s, i) => new StepAnswer(i + 1, s)).ToList()
                ),
            }
        );

        return new FieldType
        {
            Name = "funnel",
            Description =
                "The REST funnel: give startEvent and endEvent, or steps (2-10 event types in order). window defaults to "
                + DefaultWindow
                + ", to to now, from to 30 days before to.",
            ResolvedType = funnel,
            Arguments = new QueryArguments(
                new QueryArgument<StringGraphType> { Name = "startEvent" },
                new QueryArgument<StringGraphType> { Name = "endEvent" },
                new QueryArgument<ListGraphType<NonNullGraphType<StringGraphType>>> { Name = "steps" },
                new QueryArgument<StringGraphType> { Name = "window", Description = "An ISO 8601 duration, such as P7D." },
                new QueryArgument<StringGraphType> { Name = "from", Description = "An ISO 8601 instant or date." },
                new QueryArgument<StringGraphType> { Name = "to", Description = "An ISO 8601 instant or date; now when absent." }
            ),
            Resolver = new FuncFieldResolver<object?>(async ctx =>
            {
                GraphQLRequestContext.Require(Permissions.AnalyticsRead);
                var request = GraphQLRequestContext.Of(ctx);
                var query = Read(ctx, request);
                return new Answer(await request.Funnels.RunAsync(query, ctx.CancellationToken));
            }),
        };
    }

    private sealed record Answer(FunnelResult Funnel);

    private sealed record StepAnswer(int Index, FunnelStepResult Outcome);

    private static FieldType Of(string name, Type type, Func<StepAnswer, object?> read, string? description) =>
        Field(name, type, read, description);

    private static FieldType Field<T>(string name, Type type, Func<T, object?> read, string? description = null) =>
        new()
        {
            Name = name,
            Type = type,
            Description = description,
            Resolver = new FuncFieldResolver<object?>(ctx => read((T)ctx.Source!)),
        };

    private static FunnelQuery Read(IResolveFieldContext context, GraphQLRequestContext request)
    {
        var errors = new List<FieldError>();
        var start = context.GetArgument<string?>("startEvent");
        var end = context.GetArgument<string?>("endEvent");
        var listed = context.GetArgument<List<string>?>("steps");
        List<string> names;
        if (listed is not null)
        {
            if (start is not null || end is not null)
            {
                errors.Add(Error("steps", "exclusive", "Give steps, or startEvent and endEvent, not both."));
            }
            names = listed;
        }
        else if (start is null || end is null)
        {
            errors.Add(Error(start is null ? "startEvent" : "endEvent", "required", "Give startEvent and endEvent, or steps."));
            names = [];
        }
        else
        {
            names = [start, end];
        }
        if (errors.Count == 0 && names.Count < FunnelQuery.MinSteps)
        {
            errors.Add(Error("steps", "min-items", $"A funnel has at least {FunnelQuery.MinSteps} steps."));
        }
        else if (names.Count > FunnelQuery.MaxSteps)
        {
            errors.Add(Error("steps", "max-items", $"A funnel has at most {FunnelQuery.MaxSteps} steps."));
        }
        for (var i = 0; i < names.Count; i++)
        {
            if (!EventTypeRegistry.IsEventTypeKey(names[i]))
            {
                var argument =
                    listed is not null ? $"steps/{i}"
                    : i == 0 ? "startEvent"
                    : "endEvent";
                errors.Add(Error(argument, "event-type", "An event type: [a-z][a-z0-9_.-]{0,63}."));
            }
        }
        var windowText = context.GetArgument<string?>("window") ?? DefaultWindow;
        if (!IsoDuration.TryParse(windowText, out var window) || window > FunnelQuery.MaxWindow)
        {
            errors.Add(
                Error(
                    "window",
                    "duration",
                    "window is an ISO 8601 duration of at most 90 days (days, hours, minutes, seconds), such as P7D."
                )
            );
        }
        var to = request.Time.GetUtcNow();
        if (context.GetArgument<string?>("to") is { } toText && !Instants.TryParse(toText, out to))
        {
            errors.Add(Error("to", "date-time", "to is an ISO 8601 instant or date, such as 2026-11-02T00:00:00Z."));
        }
        var from = to - DefaultRange;
        if (context.GetArgument<string?>("from") is { } fromText && !Instants.TryParse(fromText, out from))
        {
            errors.Add(Error("from", "date-time", "from is an ISO 8601 instant or date, such as 2026-11-01T00:00:00Z."));
        }
        if (errors.Count == 0)
        {
            var max = TimeSpan.FromDays(request.Analytics.MaxFunnelRangeDays);
            if (to <= from)
            {
                errors.Add(Error("to", "range", "to is after from."));
            }
            else if (to - from > max)
            {
                errors.Add(Error("from", "range-too-large", $"The range is at most {max.TotalDays:0.##} days."));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The funnel is not valid.");
        }
        return new FunnelQuery([.. names.Select(n => FunnelStep.Of(n))], window, from, to);
    }

    private static FieldError Error(string argument, string code, string detail) => new(argument, code, detail, ErrorLocation.Query);
}
