using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Cx.Azure.ServiceBus;
using Cx.Core.Queues;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Azure;

/// <summary>
/// The Service Bus adapter's mapping of the work-queue port. Service Bus cannot be emulated on
/// this machine, so these are unit tests against the SDK's own mockable client types and
/// <see cref="ServiceBusModelFactory"/>: which SDK calls each port operation makes, with what.
/// </summary>
public sealed class ServiceBusWorkQueueTests
{
    private const string Queue = "webhooks";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly Mock<ServiceBusClient> _client = new();
    private readonly Mock<ServiceBusSender> _sender = new();
    private readonly Mock<ServiceBusSessionReceiver> _session = new();
    private readonly List<ServiceBusMessage> _sent = [];

    public ServiceBusWorkQueueTests()
    {
        _client.Setup(c => c.CreateSender(Queue)).Returns(_sender.Object);
        _sender
            .Setup(s => s.SendMessagesAsync(It.IsAny<IEnumerable<ServiceBusMessage>>(), It.IsAny<CancellationToken>()))
            .Callback<IEnumerable<ServiceBusMessage>, CancellationToken>((m, _) => _sent.AddRange(m))
            .Returns(Task.CompletedTask);
        _sender
            .Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => _sent.Add(m))
            .Returns(Task.CompletedTask);
        _session.Setup(s => s.SessionId).Returns("sub-1");
    }

    private ServiceBusWorkQueue CreateSut() =>
        new(_client.Object, _time, Options.Create(new ServiceBusQueueOptions { SessionWaitMilliseconds = 50 }));

    private void OneSession(BinaryData? state, params ServiceBusReceivedMessage?[] messages)
    {
        _client
            .SetupSequence(c =>
                c.AcceptNextSessionAsync(Queue, It.IsAny<ServiceBusSessionReceiverOptions>(), It.IsAny<CancellationToken>())
            )
            .ReturnsAsync(_session.Object)
            .ThrowsAsync(new ServiceBusException("no session", ServiceBusFailureReason.ServiceTimeout));
        _session.Setup(s => s.GetSessionStateAsync(It.IsAny<CancellationToken>())).ReturnsAsync(state!);
        var sequence = _session.SetupSequence(s => s.ReceiveMessageAsync(It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()));
        foreach (var message in messages)
        {
            sequence = sequence.ReturnsAsync(message!);
        }
    }

    private static ServiceBusReceivedMessage Received(string id, long sequence, int deliveryCount = 1, bool wakeUp = false) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: new BinaryData(Encoding.UTF8.GetBytes($"body of {id}")),
            messageId: id,
            sessionId: "sub-1",
            deliveryCount: deliveryCount,
            sequenceNumber: sequence,
            enqueuedTime: new DateTimeOffset(2026, 12, 7, 11, 0, 0, TimeSpan.Zero),
            properties: wakeUp ? new Dictionary<string, object> { [ServiceBusWorkQueue.WakeUpProperty] = true } : null
        );

    [Fact]
    public async Task Should_send_the_id_as_message_id_and_the_key_as_session_id()
    {
        var notBefore = _time.GetUtcNow().AddMinutes(5);
        await CreateSut()
            .EnqueueAsync(
                Queue,
                [new QueueMessage("m1", "sub-1", "hello"u8.ToArray()), new QueueMessage("m2", "sub-2", "x"u8.ToArray(), notBefore)],
                CancellationToken.None
            );

        Assert.Equal(2, _sent.Count);
        Assert.Equal(("m1", "sub-1", "hello"), (_sent[0].MessageId, _sent[0].SessionId, _sent[0].Body.ToString()));
        Assert.Equal(default, _sent[0].ScheduledEnqueueTime);
        Assert.Equal(("m2", "sub-2", notBefore), (_sent[1].MessageId, _sent[1].SessionId, _sent[1].ScheduledEnqueueTime));
    }

    [Fact]
    public async Task Should_deliver_the_session_head_and_complete_it_on_the_session()
    {
        var message = Received("m1", 7, deliveryCount: 2);
        OneSession(null, message);

        var delivery = Assert.Single(await CreateSut().ReceiveAsync(Queue, 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(
            ("m1", "sub-1", 2, "body of m1"),
            (delivery.MessageId, delivery.PartitionKey, delivery.Attempt, Encoding.UTF8.GetString(delivery.Body.Span))
        );

        await delivery.CompleteAsync(CancellationToken.None);
        _session.Verify(s => s.CompleteMessageAsync(message, It.IsAny<CancellationToken>()), Times.Once);
        _session.Verify(s => s.SetSessionStateAsync(It.IsAny<BinaryData>(), It.IsAny<CancellationToken>()), Times.Never);
        _session.Verify(s => s.DisposeAsync(), Times.Once);
    }

    [Fact]
    public async Task Should_defer_a_delayed_retry_keep_it_in_session_state_and_schedule_a_wake_up()
    {
        var message = Received("m1", 42);
        OneSession(null, message);
        var delivery = Assert.Single(await CreateSut().ReceiveAsync(Queue, 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        BinaryData? state = null;
        _session
            .Setup(s => s.SetSessionStateAsync(It.IsAny<BinaryData>(), It.IsAny<CancellationToken>()))
            .Callback<BinaryData, CancellationToken>((d, _) => state = d)
            .Returns(Task.CompletedTask);

        await delivery.AbandonAsync(TimeSpan.FromMinutes(5), "503", CancellationToken.None);

        _session.Verify(
            s => s.DeferMessageAsync(message, It.IsAny<IDictionary<string, object>>(), It.IsAny<CancellationToken>()),
            Times.Once
        );
        _session.Verify(
            s =>
                s.AbandonMessageAsync(
                    It.IsAny<ServiceBusReceivedMessage>(),
                    It.IsAny<IDictionary<string, object>>(),
                    It.IsAny<CancellationToken>()
                ),
            Times.Never
        );
        var due = _time.GetUtcNow().AddMinutes(5);
        using (var json = JsonDocument.Parse(state!.ToString()))
        {
            Assert.Equal(42, json.RootElement.GetProperty("deferred").GetInt64());
            Assert.Equal(due.ToUnixTimeMilliseconds(), json.RootElement.GetProperty("due").GetInt64());
        }
        var wakeUp = Assert.Single(_sent);
        Assert.Equal(("sub-1", due), (wakeUp.SessionId, wakeUp.ScheduledEnqueueTime));
        Assert.True(wakeUp.ApplicationProperties.ContainsKey(ServiceBusWorkQueue.WakeUpProperty));
    }

    [Fact]
    public async Task Should_hand_out_nothing_of_a_session_whose_retry_is_not_due()
    {
        var state = new BinaryData($"{{\"deferred\":42,\"due\":{_time.GetUtcNow().AddMinutes(1).ToUnixTimeMilliseconds()}}}");
        OneSession(state, Received("m2", 43));

        Assert.Empty(await CreateSut().ReceiveAsync(Queue, 10, TimeSpan.FromSeconds(30), CancellationToken.None));

        _session.Verify(s => s.ReceiveMessageAsync(It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()), Times.Never);
        _session.Verify(s => s.ReceiveDeferredMessageAsync(It.IsAny<long>(), It.IsAny<CancellationToken>()), Times.Never);
        _session.Verify(s => s.DisposeAsync(), Times.Once);
    }

    [Fact]
    public async Task Should_deliver_the_deferred_message_first_once_due_and_clear_the_state_when_settled()
    {
        var state = new BinaryData($"{{\"deferred\":42,\"due\":{_time.GetUtcNow().ToUnixTimeMilliseconds()}}}");
        OneSession(state, Received("m2", 43));
        var deferred = Received("m1", 42, deliveryCount: 2);
        _session.Setup(s => s.ReceiveDeferredMessageAsync(42, It.IsAny<CancellationToken>())).ReturnsAsync(deferred);

        var delivery = Assert.Single(await CreateSut().ReceiveAsync(Queue, 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(("m1", 2), (delivery.MessageId, delivery.Attempt));

        await delivery.DeadLetterAsync("gave up", CancellationToken.None);
        _session.Verify(s => s.DeadLetterMessageAsync(deferred, "cx-gave-up", "gave up", It.IsAny<CancellationToken>()), Times.Once);
        _session.Verify(s => s.SetSessionStateAsync(null, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Should_complete_a_wake_up_message_and_deliver_the_message_after_it()
    {
        var wakeUp = Received("m1:wakeup:1", 50, wakeUp: true);
        OneSession(null, wakeUp, Received("m3", 51));

        var delivery = Assert.Single(await CreateSut().ReceiveAsync(Queue, 10, TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Equal("m3", delivery.MessageId);
        _session.Verify(s => s.CompleteMessageAsync(wakeUp, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Should_report_a_lost_session_lock_as_a_lost_lease()
    {
        var message = Received("m1", 7);
        OneSession(null, message);
        var delivery = Assert.Single(await CreateSut().ReceiveAsync(Queue, 10, TimeSpan.FromSeconds(30), CancellationToken.None));
        _session
            .Setup(s => s.CompleteMessageAsync(message, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("lock lost", ServiceBusFailureReason.SessionLockLost));

        await Assert.ThrowsAsync<QueueLeaseLostException>(async () => await delivery.CompleteAsync(CancellationToken.None));
    }
}
