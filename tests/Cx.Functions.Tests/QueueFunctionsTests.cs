using Cx.Core.Queues;
using Cx.Functions.Queues;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Functions.Tests;

/// <summary>The work queues' timer function drains what is due through the consumer's code, within its time budget.</summary>
public sealed class QueueFunctionsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly Mock<IWorkQueue> _queue = new(MockBehavior.Strict);

    private sealed class Delivery(string id) : QueueDelivery("q", id, "k-" + id, "{}"u8.ToArray(), 1, DateTimeOffset.UnixEpoch)
    {
        public bool Completed { get; private set; }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            Completed = true;
            return ValueTask.CompletedTask;
        }

        public override ValueTask AbandonAsync(TimeSpan retryAfter, string reason, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not expected");

        public override ValueTask DeadLetterAsync(string reason, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not expected");
    }

    private sealed class Handler(Action onMessage) : IQueueHandler
    {
        public List<string> Seen { get; } = [];

        public string Queue => "q";

        public QueueRetryPolicy RetryPolicy { get; } = QueueRetryPolicy.Fixed(3, TimeSpan.FromSeconds(1));

        public ValueTask<QueueOutcome> HandleAsync(QueueDelivery delivery, CancellationToken cancellationToken)
        {
            lock (Seen)
            {
                Seen.Add(delivery.MessageId);
            }
            onMessage();
            return ValueTask.FromResult(QueueOutcome.Complete);
        }
    }

    private QueueFunctions CreateSut(Handler handler) =>
        new(
            new WorkQueueConsumer(
                _queue.Object,
                [handler],
                Options.Create(new WorkQueueOptions()),
                _time,
                NullLogger<WorkQueueConsumer>.Instance
            ),
            [handler],
            _time,
            NullLogger<QueueFunctions>.Instance
        );

    [Fact]
    public async Task Should_handle_and_complete_every_due_message_until_the_queue_is_empty()
    {
        var a = new Delivery("a");
        var b = new Delivery("b");
        var c = new Delivery("c");
        _queue
            .SetupSequence(q => q.ReceiveAsync("q", It.IsAny<int>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync([a, b])
            .ReturnsAsync([c])
            .ReturnsAsync([]);
        var handler = new Handler(() => { });

        await CreateSut(handler).DrainWorkQueues(new TimerInfo(), CancellationToken.None);

        Assert.Equal(["a", "b", "c"], handler.Seen.Order());
        Assert.True(a.Completed && b.Completed && c.Completed);
        _queue.Verify(q => q.ReceiveAsync("q", It.IsAny<int>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    [Fact]
    public async Task Should_stop_draining_when_its_time_budget_is_spent()
    {
        var sequence = 0;
        _queue
            .Setup(q => q.ReceiveAsync("q", It.IsAny<int>(), It.IsAny<TimeSpan>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => [new Delivery("m" + Interlocked.Increment(ref sequence))]);
        // Each message takes 20 s of (fake) time: the 45 s budget allows three receives.
        var handler = new Handler(() => _time.Advance(TimeSpan.FromSeconds(20)));

        await CreateSut(handler).DrainWorkQueues(new TimerInfo(), CancellationToken.None);

        Assert.Equal(3, handler.Seen.Count);
    }
}
