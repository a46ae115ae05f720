using Cx.Core.Queues;
using Cx.Http.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Cx.Functions.Queues;

/// <summary>
/// The work queues' timer: every queue handler (webhook deliveries) makes progress even on a host
/// that scaled to zero, where no background consumer loop runs. Each run drains what is due, for
/// at most <see cref="Budget"/>, with the consumer loop's own code.
/// </summary>
public sealed partial class QueueFunctions(
    WorkQueueConsumer consumer,
    IEnumerable<IQueueHandler> handlers,
    TimeProvider time,
    ILogger<QueueFunctions> logger
)
{
    /// <summary>Longest a run keeps draining (the timer fires every minute).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);

    [Access(AccessAttribute.Trigger)]
    [Function(nameof(DrainWorkQueues))]
    public async Task DrainWorkQueues([TimerTrigger("45 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + Budget;
        foreach (var handler in handlers)
        {
            var handled = 0;
            int batch;
            while (time.GetUtcNow() < until && (batch = await consumer.RunOnceAsync(handler, cancellationToken)) > 0)
            {
                handled += batch;
            }
            LogDrained(logger, handled, handler.Queue);
        }
    }

    [LoggerMessage(EventId = 4425, Level = LogLevel.Debug, Message = "Handled {Count} messages of queue {Queue}")]
    private static partial void LogDrained(ILogger logger, int count, string queue);
}
