using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Events;
using Cx.Core.Queues;

namespace Cx.Core.Notifications;

/// <summary>
/// Fires event triggers (<c>cart_abandoned</c>) and segment triggers (the <c>segment.entered</c> /
/// <c>segment.exited</c> events the segment projector appends) after each committed event batch:
/// for each customer of the batch, the recent events of the watched types from the timeline, one
/// work item per (trigger, event id). The queue and the delivery log make a repeat harmless.
/// </summary>
public sealed class NotificationEventObserver(
    NotificationTriggerRegistry registry,
    ITimelineReader timeline,
    IWorkQueue queue,
    TimeProvider time
) : IEventBatchObserver
{
    /// <summary>Events received longer ago than this before the batch are not considered (they were handled with their own batch).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    public async ValueTask OnBatchCommittedAsync(EventBatchSummary summary, CancellationToken cancellationToken)
    {
        if (summary.CustomerIds.Count == 0)
        {
            return;
        }
        var triggers = (await registry.GetEnabledAsync(cancellationToken))
            .Select(t => (Compiled: t, EventType: WatchedType(t.Trigger.On)))
            .Where(t => t.EventType is not null && summary.EventTypes.Contains(t.EventType))
            .ToList();
        if (triggers.Count == 0)
        {
            return;
        }
        var since = summary.CommittedAt - Window;
        var now = time.GetUtcNow();
        var messages = new List<QueueMessage>();
        foreach (var customerId in summary.CustomerIds)
        {
            foreach (var eventType in triggers.Select(t => t.EventType!).Distinct(StringComparer.Ordinal))
            {
                var page = await timeline.ReadTimelineAsync(customerId, eventType, 50, null, cancellationToken);
                foreach (var e in page.Items.Where(e => e.ReceivedAt >= since))
                {
                    var properties = JsonNode.Parse(e.Properties.Span);
                    foreach (var (compiled, _) in triggers.Where(t => t.EventType == eventType))
                    {
                        var on = compiled.Trigger.On;
                        if (on.Kind == TriggerKinds.Segment && properties?["segment"]?.GetValue<string>() != on.Segment)
                        {
                            continue;
                        }
                        var item = new NotificationWorkItem
                        {
                            Trigger = compiled.Trigger.Key,
                            CauseId = "event:" + e.Id,
                            CustomerId = customerId,
                            Event = new JsonObject
                            {
                                ["id"] = e.Id,
                                ["type"] = e.Type,
                                ["timestamp"] = Instants.Format(e.Timestamp),
                                ["properties"] = properties?.DeepClone(),
                            },
                            Segment = on.Segment,
                        };
                        messages.Add(item.ToQueueMessage(compiled.Delay > TimeSpan.Zero ? now + compiled.Delay : null));
                    }
                }
            }
        }
        if (messages.Count > 0)
        {
            await queue.EnqueueAsync(NotificationOptions.Queue, messages, cancellationToken);
        }
    }

    private static string? WatchedType(TriggerSource on) =>
        on.Kind switch
        {
            TriggerKinds.Event => on.EventType,
            TriggerKinds.Segment => on.Transition == "exited" ? BuiltInEventTypes.SegmentExited : BuiltInEventTypes.SegmentEntered,
            _ => null,
        };
}
