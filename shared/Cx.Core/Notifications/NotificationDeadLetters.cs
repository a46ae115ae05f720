using System.Globalization;
using Cx.Core.Common;
using Cx.Core.Queues;

namespace Cx.Core.Notifications;

/// <summary>A notification work item the queue gave up on: which trigger, customer and cause, after how many attempts, why.</summary>
public sealed record NotificationDeadLetter(
    string MessageId,
    string CustomerId,
    string Trigger,
    string CauseId,
    int Attempts,
    string Reason
);

/// <summary>
/// The dead letters of the <c>notifications</c> queue through the work-queue port (the embedded
/// queue's table, Service Bus's dead-letter sub-queue): listed for admins and replayed by enqueuing
/// the same work item again under a new message id. A replay sends only the channels the delivery
/// log does not already show as sent or suppressed.
/// </summary>
public sealed class NotificationDeadLetters(IWorkQueue queue, TimeProvider time)
{
    public const int MaxListed = 1_000;

    public async ValueTask<IReadOnlyList<NotificationDeadLetter>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var letters = await queue.ListDeadLettersAsync(NotificationOptions.Queue, limit, cancellationToken);
        var items = new List<NotificationDeadLetter>(letters.Count);
        foreach (var letter in letters)
        {
            var item = NotificationWorkItem.Parse(letter.Body);
            items.Add(new(letter.MessageId, item.CustomerId, item.Trigger, item.CauseId, letter.Attempts, letter.Reason));
        }
        return items;
    }

    /// <summary>Enqueues a dead-lettered work item again; returns the new message id. 404 when no such dead letter is listed.</summary>
    public async ValueTask<string> ReplayAsync(string messageId, CancellationToken cancellationToken)
    {
        var letters = await queue.ListDeadLettersAsync(NotificationOptions.Queue, MaxListed, cancellationToken);
        var letter =
            letters.FirstOrDefault(l => l.MessageId == messageId) ?? throw new NotFoundException("Notification dead letter", messageId);
        var original = messageId.Split(".r", 2)[0];
        var id = original + ".r" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture);
        await queue.EnqueueAsync(NotificationOptions.Queue, [new QueueMessage(id, letter.PartitionKey, letter.Body)], cancellationToken);
        return id;
    }
}
