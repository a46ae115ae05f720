using Cx.Core.Common;
using Cx.Core.Notifications;
using Cx.Core.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Notifications;

public sealed class NotificationDeadLettersTests
{
    private static readonly NotificationWorkItem Item = new()
    {
        Trigger = "order-confirmation",
        CauseId = "content/order/o1@e1",
        CustomerId = "ana",
    };

    private static (NotificationDeadLetters Sut, Mock<IWorkQueue> Queue) CreateSut()
    {
        var message = Item.ToQueueMessage(null);
        var queue = new Mock<IWorkQueue>();
        queue
            .Setup(q => q.ListDeadLettersAsync(NotificationOptions.Queue, It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([
                new DeadLetteredMessage(NotificationOptions.Queue, message.Id, "ana", message.Body, 6, "Gave up: email: SMTP 421"),
            ]);
        return (new NotificationDeadLetters(queue.Object, new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(0x1234))), queue);
    }

    [Fact]
    public async Task Should_list_dead_letters_with_their_trigger_customer_and_cause()
    {
        var (sut, _) = CreateSut();

        var letter = Assert.Single(await sut.ListAsync(10, CancellationToken.None));

        Assert.Equal(Item.ToQueueMessage(null).Id, letter.MessageId);
        Assert.Equal(
            ("ana", "order-confirmation", "content/order/o1@e1", 6),
            (letter.CustomerId, letter.Trigger, letter.CauseId, letter.Attempts)
        );
        Assert.Equal("Gave up: email: SMTP 421", letter.Reason);
    }

    [Fact]
    public async Task Should_replay_a_dead_letter_under_a_new_id_with_the_same_body_and_customer()
    {
        var (sut, queue) = CreateSut();
        var original = Item.ToQueueMessage(null);
        IReadOnlyList<QueueMessage>? enqueued = null;
        queue
            .Setup(q => q.EnqueueAsync(NotificationOptions.Queue, It.IsAny<IReadOnlyList<QueueMessage>>(), It.IsAny<CancellationToken>()))
            .Callback<string, IReadOnlyList<QueueMessage>, CancellationToken>((_, messages, _) => enqueued = messages)
            .Returns(ValueTask.CompletedTask);

        var id = await sut.ReplayAsync(original.Id, CancellationToken.None);

        Assert.Equal(original.Id + ".r1234", id);
        var message = Assert.Single(enqueued!);
        Assert.Equal((id, "ana"), (message.Id, message.PartitionKey));
        Assert.Equal(original.Body.ToArray(), message.Body.ToArray());
        await Assert.ThrowsAsync<NotFoundException>(async () =>
            await sut.ReplayAsync("ntw_" + new string('f', 32), CancellationToken.None)
        );
    }
}
