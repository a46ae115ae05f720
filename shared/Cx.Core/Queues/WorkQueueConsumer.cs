using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Queues;

/// <summary>
/// The hosted consumer loop: <see cref="WorkQueueOptions.ConsumersPerQueue"/> loops per registered <see cref="IQueueHandler"/>, each receiving a
/// batch (at most one message per partition key), running the handler on the batch concurrently
/// and settling every delivery by the handler's outcome and retry policy. A handler that throws
/// is retried like <see cref="QueueOutcome.Retry"/>; a delivery past the policy's attempts (a
/// lease that kept running out) is dead-lettered without running the handler.
/// </summary>
public sealed partial class WorkQueueConsumer(
    IWorkQueue queue,
    IEnumerable<IQueueHandler> handlers,
    IOptions<WorkQueueOptions> options,
    TimeProvider time,
    ILogger<WorkQueueConsumer> logger
) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            handlers.SelectMany(handler =>
                Enumerable
                    .Range(0, options.Value.ConsumersPerQueue)
                    .Select(_ => Task.Run(() => LoopAsync(handler, stoppingToken), stoppingToken))
            )
        );

    private async Task LoopAsync(IQueueHandler handler, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(handler, stoppingToken) > 0)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, handler.Queue, ex);
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Receives one batch for <paramref name="handler"/>, handles and settles it; returns how many deliveries it handled.</summary>
    public async Task<int> RunOnceAsync(IQueueHandler handler, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var deliveries = await queue.ReceiveAsync(
            handler.Queue,
            settings.BatchSize,
            TimeSpan.FromSeconds(settings.LeaseSeconds),
            cancellationToken
        );
        if (deliveries.Count == 0)
        {
            return 0;
        }
        if (deliveries.Count == 1)
        {
            await HandleAsync(handler, deliveries[0], cancellationToken);
        }
        else
        {
            await Task.WhenAll(deliveries.Select(d => HandleAsync(handler, d, cancellationToken)));
        }
        return deliveries.Count;
    }

    private async Task HandleAsync(IQueueHandler handler, QueueDelivery delivery, CancellationToken cancellationToken)
    {
        var policy = handler.RetryPolicy;
        QueueOutcome outcome;
        if (delivery.Attempt > policy.MaxAttempts)
        {
            outcome = QueueOutcome.DeadLetter($"Delivered {delivery.Attempt} times without being settled (the lease ran out).");
        }
        else
        {
            try
            {
                outcome = await handler.HandleAsync(delivery, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: the lease runs out and the message is delivered again.
                return;
            }
            catch (Exception ex)
            {
                LogHandlerFailed(logger, handler.Queue, delivery.MessageId, delivery.Attempt, ex);
                outcome = QueueOutcome.Retry(ex.Message);
            }
        }
        try
        {
            switch (outcome.Kind)
            {
                case QueueOutcomeKind.Complete:
                    await delivery.CompleteAsync(cancellationToken);
                    break;
                case QueueOutcomeKind.Retry:
                    var delay = policy.DelayAfter(delivery.Attempt);
                    if (delay is null)
                    {
                        await delivery.DeadLetterAsync($"Gave up after {delivery.Attempt} attempts: {outcome.Reason}", cancellationToken);
                    }
                    else
                    {
                        var wait = outcome.RetryAfter is { } asked && asked > delay.Value ? asked : delay.Value;
                        await delivery.AbandonAsync(wait, outcome.Reason ?? "retry", cancellationToken);
                    }
                    break;
                default:
                    await delivery.DeadLetterAsync(outcome.Reason ?? "dead-lettered by its handler", cancellationToken);
                    break;
            }
        }
        catch (QueueLeaseLostException ex)
        {
            LogLeaseLost(logger, handler.Queue, delivery.MessageId, ex);
        }
    }

    [LoggerMessage(EventId = 4420, Level = LogLevel.Error, Message = "The consumer of queue {Queue} failed; it will try again")]
    private static partial void LogLoopFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(EventId = 4421, Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} failed on attempt {Attempt}")]
    private static partial void LogHandlerFailed(ILogger logger, string queue, string messageId, int attempt, Exception exception);

    [LoggerMessage(
        EventId = 4422,
        Level = LogLevel.Warning,
        Message = "Message {MessageId} of queue {Queue} lost its lease before it was settled"
    )]
    private static partial void LogLeaseLost(ILogger logger, string queue, string messageId, Exception exception);
}
