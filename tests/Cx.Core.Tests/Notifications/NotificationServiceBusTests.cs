using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;
using Cx.Azure.ServiceBus;
using Cx.Core.Content;
using Cx.Core.Notifications;
using Cx.Core.Profiles;
using Cx.Core.Queues;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Notifications;

/// <summary>
/// The notifications' Service Bus path. There is no Service Bus emulator on this machine, so the
/// adapter runs against the SDK's mockable <see cref="ServiceBusClient"/> and <see cref="ServiceBusSender"/>
/// (the store is real SQLite): a message held by quiet hours becomes one scheduled Service Bus message
/// in the customer's session, and that message, received, sends the e-mail once the quiet hours ended.
/// </summary>
public sealed class NotificationServiceBusTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 23, 30, 0, TimeSpan.Zero); // 18:30 in New York

    private readonly Mock<ServiceBusClient> _client = new();
    private readonly Mock<ServiceBusSender> _sender = new();
    private readonly List<ServiceBusMessage> _scheduled = [];
    private readonly Mock<IEmailTransport> _email = new(MockBehavior.Strict);
    private SqliteStoreFixture _fixture = null!;
    private NotificationService _service = null!;
    private NotificationWorkHandler _handler = null!;
    private NotificationTriggerRegistry _triggers = null!;

    public async Task InitializeAsync()
    {
        _fixture = await SqliteStoreFixture.StartAsync();
        _fixture.Time.SetUtcNow(Start);
        _client.Setup(c => c.CreateSender(NotificationOptions.Queue)).Returns(_sender.Object);
        _sender
            .Setup(s => s.SendMessagesAsync(It.IsAny<IEnumerable<ServiceBusMessage>>(), It.IsAny<CancellationToken>()))
            .Callback<IEnumerable<ServiceBusMessage>, CancellationToken>((m, _) => _scheduled.AddRange(m))
            .Returns(Task.CompletedTask);
        _sender
            .Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => _scheduled.Add(m))
            .Returns(Task.CompletedTask);
        _email
            .Setup(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(ChannelOutcome.Ok("SMTP 250: OK"));
        var options = new NotificationOptions();
        options.Channels["email"] = new NotificationChannelOptions
        {
            Kind = NotificationChannelKinds.Smtp,
            Host = "localhost",
            From = "shop@example.com",
        };
        var settings = Options.Create(options);
        var queue = new ServiceBusWorkQueue(_client.Object, _fixture.Time, Options.Create(new ServiceBusQueueOptions()));
        var preferences = new NotificationPreferences(_fixture.Store, _fixture.Time, settings);
        _service = new NotificationService(
            new NotificationLog(_fixture.Store),
            _fixture.Entries,
            _email.Object,
            Mock.Of<IHttpChannelTransport>(MockBehavior.Strict),
            preferences,
            queue,
            _fixture.Time,
            settings,
            NullLogger<NotificationService>.Instance
        );
        _triggers = new NotificationTriggerRegistry(
            _fixture.Store,
            _fixture.Time,
            Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 }),
            settings,
            _fixture.Registry
        );
        _handler = new NotificationWorkHandler(
            _triggers,
            _service,
            _fixture.Entries,
            new NotificationDigests(_fixture.Store, queue, _fixture.Time),
            _fixture.Time
        );
        await _fixture.Entries.CreateAsync(
            CustomerProfile.TypeKey,
            JsonNode.Parse("""{"id":"ana","email":"ana@example.com","preferences":{"timeZone":"America/New_York"}}""")!.AsObject(),
            CancellationToken.None
        );
        await preferences.UpdateAsync(
            "ana",
            NotificationPreferences.Validate(JsonNode.Parse("""{"quietHours":{"start":"18:00","end":"08:00"}}""")!.AsObject(), "test"),
            CancellationToken.None
        );
    }

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private sealed class Delivery(ServiceBusReceivedMessage message)
        : QueueDelivery(
            NotificationOptions.Queue,
            message.MessageId,
            message.SessionId,
            message.Body.ToMemory(),
            message.DeliveryCount,
            message.EnqueuedTime
        )
    {
        public override ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask AbandonAsync(TimeSpan retryAfter, string reason, CancellationToken cancellationToken) =>
            ValueTask.CompletedTask;

        public override ValueTask DeadLetterAsync(string reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Should_schedule_a_held_message_in_the_customers_session_and_send_it_when_received()
    {
        var message = new NotificationMessage
        {
            CustomerId = "ana",
            Channel = "email",
            IdempotencyKey = "news|1",
            Topic = "news",
            Subject = "Weekly news",
            Body = "Hello",
        };

        var held = await _service.SendAsync(message, CancellationToken.None);

        var end = new DateTimeOffset(2026, 12, 8, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal((NotificationStatuses.Queued, end), (held.Status, held.HeldUntil));
        var scheduled = Assert.Single(_scheduled);
        Assert.Equal(("ana", end), (scheduled.SessionId, scheduled.ScheduledEnqueueTime));
        Assert.StartsWith("ntw_", scheduled.MessageId, StringComparison.Ordinal);
        var item = NotificationWorkItem.Parse(scheduled.Body.ToMemory());
        Assert.Equal(message, item.Held);
        _email.Verify(
            e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>()),
            Times.Never
        );

        // Service Bus hands the scheduled message over at its time, in the customer's session.
        _fixture.Time.SetUtcNow(end);
        var received = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: scheduled.Body,
            messageId: scheduled.MessageId,
            sessionId: scheduled.SessionId,
            deliveryCount: 1,
            enqueuedTime: end
        );
        var outcome = await _handler.HandleAsync(new Delivery(received), CancellationToken.None);

        Assert.Equal(QueueOutcomeKind.Complete, outcome.Kind);
        _email.Verify(
            e =>
                e.SendAsync(
                    It.Is<EmailMessage>(m => m.To == "ana@example.com" && m.Subject == "Weekly news"),
                    It.IsAny<NotificationChannelOptions>(),
                    It.IsAny<CancellationToken>()
                ),
            Times.Once
        );

        // Redelivered by Service Bus (at least once): the delivery log sends nothing more.
        Assert.Equal(QueueOutcomeKind.Complete, (await _handler.HandleAsync(new Delivery(received), CancellationToken.None)).Kind);
        _email.Verify(
            e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>()),
            Times.Once
        );
    }

    private static Delivery Received(BinaryData body, string messageId, string sessionId, DateTimeOffset at) =>
        new(
            ServiceBusModelFactory.ServiceBusReceivedMessage(
                body: body,
                messageId: messageId,
                sessionId: sessionId,
                deliveryCount: 1,
                enqueuedTime: at
            )
        );

    [Fact]
    public async Task Should_schedule_a_digests_flush_as_one_service_bus_message_and_send_the_digest_when_received()
    {
        await _triggers.CreateAsync(
            new NotificationTrigger
            {
                Key = "order-digest",
                On = new TriggerSource
                {
                    Kind = TriggerKinds.Content,
                    ContentType = "order",
                    Change = "created",
                },
                Channels = new(["email"]),
                Critical = true,
                Digest = new NotificationDigest { Period = "PT1H" },
                Templates = new([
                    new NotificationTemplate
                    {
                        Channel = "email",
                        Subject = "{{ digest.count }} orders",
                        Body = "{% for item in digest.items %}{{ item.document.number }};{% endfor %}",
                    },
                ]),
            },
            CancellationToken.None
        );
        foreach (var number in new[] { "A-1", "A-2" })
        {
            var work = new NotificationWorkItem
            {
                Trigger = "order-digest",
                CauseId = "content/ana/" + number + "@1",
                CustomerId = "ana",
                Document = JsonNode.Parse($$"""{"customer":"ana","number":"{{number}}"}"""),
            }.ToQueueMessage(null);
            var collected = await _handler.HandleAsync(
                Received(BinaryData.FromBytes(work.Body), work.Id, work.PartitionKey, Start),
                CancellationToken.None
            );
            Assert.Equal(QueueOutcomeKind.Complete, collected.Kind);
        }

        // One scheduled message for the digest's flush, due when the period ends, in its own session.
        var flush = Assert.Single(_scheduled);
        var due = Start + TimeSpan.FromHours(1) + NotificationDigests.FlushGrace;
        Assert.Equal(due, flush.ScheduledEnqueueTime);
        Assert.StartsWith("dgs_", flush.SessionId, StringComparison.Ordinal);
        _email.Verify(
            e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>()),
            Times.Never
        );

        _fixture.Time.SetUtcNow(due);
        var received = Received(flush.Body, flush.MessageId, flush.SessionId, due);
        Assert.Equal(QueueOutcomeKind.Complete, (await _handler.HandleAsync(received, CancellationToken.None)).Kind);
        // Redelivered by Service Bus: the delivery log sends nothing more.
        Assert.Equal(QueueOutcomeKind.Complete, (await _handler.HandleAsync(received, CancellationToken.None)).Kind);

        _email.Verify(
            e =>
                e.SendAsync(
                    It.Is<EmailMessage>(m => m.Subject == "2 orders" && m.TextBody == "A-1;A-2;"),
                    It.IsAny<NotificationChannelOptions>(),
                    It.IsAny<CancellationToken>()
                ),
            Times.Once
        );
    }
}
