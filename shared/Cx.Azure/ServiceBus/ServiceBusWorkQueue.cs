using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Cx.Core.Queues;
using Microsoft.Extensions.Options;

namespace Cx.Azure.ServiceBus;

/// <summary>
/// The work-queue port on Azure Service Bus. A partition key is a session id, so Service Bus hands
/// out the messages of one key in order to one receiver at a time; the message id is the Service
/// Bus message id, so the queue's duplicate detection makes enqueue idempotent; dead letters are the
/// queue's dead-letter sub-queue. A receive accepts the next session that has a message and
/// leases its first message (the session lock is the lease; its duration is the queue's lock
/// duration, not the <c>lease</c> argument).
/// Service Bus has no "abandon with delay", and a scheduled copy would lose the key's order, so a
/// delayed retry defers the message (it keeps its place: only its sequence number can fetch it),
/// writes <c>{deferred, due}</c> into the session state, and schedules a small wake-up message into
/// the session for the due time. Until then the session hands out nothing; at the due time the
/// wake-up makes the session available again and the deferred message is delivered first.
/// </summary>
public sealed class ServiceBusWorkQueue(ServiceBusClient client, TimeProvider time, IOptions<ServiceBusQueueOptions> options)
    : IWorkQueue,
        IAsyncDisposable
{
    /// <summary>Application property marking the wake-up message of a delayed retry.</summary>
    public const string WakeUpProperty = "cx-wakeup";

    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);

    public async ValueTask EnqueueAsync(string queue, IReadOnlyList<QueueMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        if (messages.Count == 0)
        {
            return;
        }
        var sender = Sender(queue);
        await sender.SendMessagesAsync(messages.Select(ToServiceBus), cancellationToken);
    }

    /// <summary>The Service Bus message for a queue message: id, session, body and schedule.</summary>
    public static ServiceBusMessage ToServiceBus(QueueMessage message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message.Id);
        ArgumentException.ThrowIfNullOrEmpty(message.PartitionKey);
        var result = new ServiceBusMessage(message.Body) { MessageId = message.Id, SessionId = message.PartitionKey };
        if (message.NotBefore is { } notBefore)
        {
            result.ScheduledEnqueueTime = notBefore;
        }
        return result;
    }

    public async ValueTask<IReadOnlyList<QueueDelivery>> ReceiveAsync(
        string queue,
        int maxMessages,
        TimeSpan lease,
        CancellationToken cancellationToken
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var deliveries = new List<QueueDelivery>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        while (deliveries.Count < maxMessages)
        {
            var receiver = await AcceptNextSessionAsync(queue, cancellationToken);
            if (receiver is null)
            {
                break;
            }
            var delivery = await TakeHeadAsync(queue, receiver, cancellationToken);
            if (delivery is not null)
            {
                deliveries.Add(delivery);
                continue;
            }
            await receiver.DisposeAsync();
            if (!skipped.Add(receiver.SessionId))
            {
                break; // the same waiting session again: nothing else is due now
            }
        }
        return deliveries;
    }

    private async Task<ServiceBusSessionReceiver?> AcceptNextSessionAsync(string queue, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromMilliseconds(options.Value.SessionWaitMilliseconds));
        try
        {
            return await client.AcceptNextSessionAsync(queue, new ServiceBusSessionReceiverOptions(), wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.ServiceTimeout)
        {
            return null;
        }
    }

    /// <summary>The session's next message to deliver, or null when it has none due (the caller releases the session).</summary>
    internal async Task<QueueDelivery?> TakeHeadAsync(string queue, ServiceBusSessionReceiver receiver, CancellationToken cancellationToken)
    {
        var state = RetryState.Read(await receiver.GetSessionStateAsync(cancellationToken));
        while (true)
        {
            if (state is not null)
            {
                if (state.Due > time.GetUtcNow().ToUnixTimeMilliseconds())
                {
                    return null; // a retry is waiting: nothing of this key goes ahead of it
                }
                var deferred = await receiver.ReceiveDeferredMessageAsync(state.Deferred, cancellationToken);
                if (deferred is not null)
                {
                    return new ServiceBusDelivery(this, queue, receiver, deferred, hadState: true);
                }
                // Already settled elsewhere: forget it.
                await receiver.SetSessionStateAsync(null, cancellationToken);
                state = null;
            }
            var message = await receiver.ReceiveMessageAsync(
                TimeSpan.FromMilliseconds(options.Value.SessionWaitMilliseconds),
                cancellationToken
            );
            if (message is null)
            {
                return null;
            }
            if (message.ApplicationProperties.ContainsKey(WakeUpProperty))
            {
                await receiver.CompleteMessageAsync(message, cancellationToken);
                continue; // loop: the state says what is due
            }
            return new ServiceBusDelivery(this, queue, receiver, message, hadState: false);
        }
    }

    public async ValueTask<IReadOnlyList<DeadLetteredMessage>> ListDeadLettersAsync(
        string queue,
        int limit,
        CancellationToken cancellationToken
    )
    {
        await using var receiver = client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var messages = await receiver.PeekMessagesAsync(limit, cancellationToken: cancellationToken);
        return messages
            .Reverse()
            .Select(m => new DeadLetteredMessage(
                queue,
                m.MessageId,
                m.SessionId,
                m.Body.ToMemory(),
                m.DeliveryCount,
                m.DeadLetterErrorDescription ?? m.DeadLetterReason ?? ""
            ))
            .ToList();
    }

    internal TimeProvider Time => time;

    private ServiceBusSender Sender(string queue) => _senders.GetOrAdd(queue, client.CreateSender);

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in _senders.Values)
        {
            await sender.DisposeAsync();
        }
    }

    /// <summary>The session state of a key whose head waits for a retry.</summary>
    internal sealed record RetryState(long Deferred, long Due)
    {
        public static RetryState? Read(BinaryData? data)
        {
            if (data is null || data.ToMemory().IsEmpty)
            {
                return null;
            }
            using var document = JsonDocument.Parse(data.ToMemory());
            return new RetryState(
                document.RootElement.GetProperty("deferred").GetInt64(),
                document.RootElement.GetProperty("due").GetInt64()
            );
        }

        public BinaryData Write() => new($"{{\"deferred\":{Deferred},\"due\":{Due}}}");
    }

    private sealed class ServiceBusDelivery(
        ServiceBusWorkQueue owner,
        string queue,
        ServiceBusSessionReceiver receiver,
        ServiceBusReceivedMessage message,
        bool hadState
    ) : QueueDelivery(queue, message.MessageId, message.SessionId, message.Body.ToMemory(), message.DeliveryCount, message.EnqueuedTime)
    {
        public override async ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            await using (receiver)
            {
                await Settle(() => receiver.CompleteMessageAsync(message, cancellationToken));
                if (hadState)
                {
                    await receiver.SetSessionStateAsync(null, cancellationToken);
                }
            }
        }

        public override async ValueTask AbandonAsync(TimeSpan retryAfter, string reason, CancellationToken cancellationToken)
        {
            await using (receiver)
            {
                if (retryAfter <= TimeSpan.Zero)
                {
                    await Settle(() => receiver.AbandonMessageAsync(message, cancellationToken: cancellationToken));
                    return;
                }
                var due = owner.Time.GetUtcNow() + retryAfter;
                await Settle(() => receiver.DeferMessageAsync(message, cancellationToken: cancellationToken));
                await receiver.SetSessionStateAsync(
                    new RetryState(message.SequenceNumber, due.ToUnixTimeMilliseconds()).Write(),
                    cancellationToken
                );
                var wakeUp = new ServiceBusMessage(BinaryData.Empty)
                {
                    MessageId = $"{message.MessageId}:wakeup:{message.DeliveryCount}",
                    SessionId = message.SessionId,
                    ScheduledEnqueueTime = due,
                };
                wakeUp.ApplicationProperties[WakeUpProperty] = true;
                await owner.Sender(Queue).SendMessageAsync(wakeUp, cancellationToken);
            }
        }

        public override async ValueTask DeadLetterAsync(string reason, CancellationToken cancellationToken)
        {
            await using (receiver)
            {
                var description = reason.Length > 4_000 ? reason[..4_000] : reason;
                await Settle(() => receiver.DeadLetterMessageAsync(message, "cx-gave-up", description, cancellationToken));
                if (hadState)
                {
                    await receiver.SetSessionStateAsync(null, cancellationToken);
                }
            }
        }

        private async Task Settle(Func<Task> settle)
        {
            try
            {
                await settle();
            }
            catch (ServiceBusException ex)
                when (ex.Reason is ServiceBusFailureReason.SessionLockLost or ServiceBusFailureReason.MessageLockLost)
            {
                throw new QueueLeaseLostException(Queue, MessageId);
            }
        }
    }
}
