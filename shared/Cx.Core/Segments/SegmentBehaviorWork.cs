using Cx.Core.Analytics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Segments;

/// <summary>
/// Customers whose behaviour changed, waiting for evaluation, with the event types that changed
/// (none: every behavioural rule, as after identify merged an anonymous history). Entries for the
/// same customer coalesce, so a burst of events for one customer is evaluated once. In memory:
/// a crash loses what is pending, which the scheduled sweep reconciles.
/// </summary>
public sealed class SegmentWorkQueue : IDisposable
{
    private readonly Lock _lock = new();

    // The types of a customer: null for every behavioural rule; else the collection of the batch
    // that queued it (shared by all its customers, never changed), or a union of several.
    private readonly Dictionary<string, IReadOnlyCollection<string>?> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0, 1);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Queues customers; <paramref name="eventTypes"/> is kept as given, so it must not change afterwards.</summary>
    public void Enqueue(IEnumerable<string> customerIds, IReadOnlyCollection<string> eventTypes)
    {
        lock (_lock)
        {
            foreach (var id in customerIds)
            {
                if (eventTypes.Count == 0)
                {
                    _pending[id] = null;
                }
                else if (!_pending.TryGetValue(id, out var types))
                {
                    _pending[id] = eventTypes;
                }
                else if (types is not null && !ReferenceEquals(types, eventTypes) && !eventTypes.All(types.Contains))
                {
                    _pending[id] = new HashSet<string>(types.Concat(eventTypes), StringComparer.Ordinal);
                }
            }
        }
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Takes up to <paramref name="max"/> customers (empty event types: every behavioural rule).</summary>
    public IReadOnlyList<(string CustomerId, IReadOnlyCollection<string> EventTypes)> Take(int max)
    {
        lock (_lock)
        {
            var taken = _pending.Take(max).Select(p => (p.Key, p.Value ?? [])).ToList();
            foreach (var (id, _) in taken)
            {
                _pending.Remove(id);
            }
            return taken;
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    public void Dispose() => _signal.Dispose();
}

/// <summary>
/// Hears committed event batches (and identify merges) and queues the customers they touched for
/// evaluation of the segments whose rules read those event types. Never blocks the processor.
/// </summary>
public sealed class SegmentEventObserver(SegmentWorkQueue queue) : IEventBatchObserver
{
    public ValueTask OnBatchCommittedAsync(EventBatchSummary summary, CancellationToken cancellationToken)
    {
        // Batches of Cx's own membership events change no rule: segment rules may not read them.
        var onlyMembershipEvents =
            summary.EventTypes.Count > 0
            && summary.EventTypes.All(t => t.StartsWith(SegmentRules.SystemEventPrefix, StringComparison.Ordinal));
        if (summary.CustomerIds.Count > 0 && !onlyMembershipEvents)
        {
            queue.Enqueue(summary.CustomerIds, summary.EventTypes);
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>Evaluates the customers of the <see cref="SegmentWorkQueue"/> as they arrive.</summary>
public sealed partial class SegmentBehaviorWorker(
    SegmentWorkQueue queue,
    SegmentCatalog catalog,
    SegmentEvaluator evaluator,
    ILogger<SegmentBehaviorWorker> logger
) : BackgroundService
{
    private const int BatchSize = 256;

    /// <summary>Evaluates everything queued now; returns how many customers were taken.</summary>
    public async Task<int> ProcessPendingAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (queue.Take(BatchSize) is { Count: > 0 } batch)
        {
            total += batch.Count;
            var set = await catalog.GetAsync(cancellationToken);
            if (!set.Active.Any(s => s.ReadsBehavior))
            {
                continue; // no rule reads behaviour: nothing for these customers to change
            }
            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = SegmentEvaluator.Parallelism, CancellationToken = cancellationToken },
                async (item, token) =>
                {
                    var segments = set.ReadingEvents(item.EventTypes);
                    if (segments.Count == 0)
                    {
                        return;
                    }
                    var keys = segments.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
                    try
                    {
                        await evaluator.EvaluateCustomerAsync(item.CustomerId, set, s => keys.Contains(s.Key), "behavior", token);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // At most once: the sweep reconciles this customer later.
                        LogFailed(logger, ex, item.CustomerId);
                    }
                }
            );
        }
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.WaitAsync(stoppingToken);
                await ProcessPendingAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(
        EventId = 2130,
        Level = LogLevel.Warning,
        Message = "Segment evaluation of customer {CustomerId} after new behaviour failed; the sweep will reconcile it"
    )]
    private static partial void LogFailed(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(EventId = 2131, Level = LogLevel.Error, Message = "The segment behaviour worker failed; it continues")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
