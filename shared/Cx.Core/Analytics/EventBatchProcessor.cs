using System.Diagnostics;
using Cx.Core.Events;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Analytics;

/// <summary>
/// The product logic of the batch processor, shared by every host (the embedded background
/// service; the Event Hubs processor in the worker): turns a batch of stream events into
/// facts with their roll-up contributions, has the analytics store apply them together with
/// the checkpoint, then tells the observers which customers and event types changed.
/// </summary>
public sealed partial class EventBatchProcessor(
    IAnalyticsStore store,
    EventTypeRegistry registry,
    IEnumerable<IEventBatchObserver> observers,
    TimeProvider time,
    ILogger<EventBatchProcessor> logger
)
{
    public static readonly ActivitySource Activity = new("Cx.Analytics");

    private readonly IEventBatchObserver[] _observers = [.. observers];

    public async Task<AppliedBatch> ProcessAsync(
        IReadOnlyList<TrackedEvent> events,
        StreamCheckpoint checkpoint,
        CancellationToken cancellationToken
    ) => await ApplyAsync(await PrepareAsync(events, checkpoint, cancellationToken), cancellationToken);

    /// <summary>
    /// The work that needs no store: facts, roll-up keys and their totals. A host with a backlog
    /// prepares the next batch while the store applies the current one.
    /// </summary>
    public async Task<AnalyticsBatch> PrepareAsync(
        IReadOnlyList<TrackedEvent> events,
        StreamCheckpoint checkpoint,
        CancellationToken cancellationToken
    )
    {
        var types = await registry.GetAllAsync(cancellationToken);
        var facts = new List<EventFact>(events.Count);
        foreach (var e in events)
        {
            facts.Add(ToFact(e, types.GetValueOrDefault(e.Type)));
        }
        return new AnalyticsBatch(facts, checkpoint);
    }

    /// <summary>Has the store apply a prepared batch with its checkpoint, then tells the observers.</summary>
    public async Task<AppliedBatch> ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken)
    {
        using var activity = Activity.StartActivity("process-event-batch");
        var checkpoint = batch.Checkpoint;
        var applied = await store.ApplyAsync(batch, cancellationToken);
        activity?.SetTag("cx.events", batch.Facts.Count);
        activity?.SetTag("cx.duplicates", applied.Duplicates);
        if (applied.Duplicates > 0)
        {
            LogDuplicates(logger, applied.Duplicates, checkpoint.Partition);
        }
        if (_observers.Length > 0 && applied.Applied > 0)
        {
            var summary = new EventBatchSummary(applied.CustomerIds, applied.AnonymousIds, applied.EventTypes, time.GetUtcNow());
            foreach (var observer in _observers)
            {
                try
                {
                    await observer.OnBatchCommittedAsync(summary, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogObserverFailed(logger, ex, observer.GetType().Name);
                }
            }
        }
        return applied;
    }

    /// <summary>The fact of one event: idempotency key, subject, value and what its roll-up rows are made of.</summary>
    public static EventFact ToFact(TrackedEvent e, EventTypeDefinition? type)
    {
        IReadOnlyList<(string Name, string Value)> dimensions = [];
        if (type is not null && type.RollupDimensions.Count > 0)
        {
            List<(string Name, string Value)>? found = null;
            foreach (var name in type.RollupDimensions)
            {
                if (PropertyReader.ReadText(e.Properties.Span, name) is { } value)
                {
                    (found ??= new(type.RollupDimensions.Count)).Add((name, RollupMath.TruncateDimension(value)));
                }
            }
            dimensions = found ?? dimensions;
        }
        var amount = type?.ValueProperty is { } valueProperty ? PropertyReader.ReadNumber(e.Properties.Span, valueProperty) : null;
        var subject = e.Subject;
        return new EventFact(e, EventCodec.DedupeKey(subject, e.Id), subject, amount, RollupMath.NormalizePage(e.Page), dimensions);
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "{Count} duplicate events ignored in partition {Partition}")]
    private static partial void LogDuplicates(ILogger logger, int count, string partition);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Event batch observer {Observer} failed")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception, string observer);
}
