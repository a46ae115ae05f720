using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Content;
using Cx.Core.Notifications;
using Cx.Core.Profiles;
using Cx.Core.Queues;
using Cx.Core.Tests.Content;
using Cx.Embedded.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Notifications;

/// <summary>
/// The send function over a real SQLite store and work queue with a fake clock: quiet hours hold a
/// message until they end in the customer's time zone (then the queued work item sends it), and the
/// delivery log records queued, sent and delivered (or failed) with their instants.
/// </summary>
public sealed class NotificationDeliveryTests : IAsyncLifetime
{
    // 23:30 UTC on 7 December 2026 is 18:30 in New York (UTC-5).
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 23, 30, 0, TimeSpan.Zero);

    private SqliteStoreFixture _fixture = null!;
    private SqliteWorkQueue _queue = null!;
    private NotificationLog _log = null!;
    private NotificationPreferences _preferences = null!;
    private NotificationService _service = null!;
    private NotificationWorkHandler _handler = null!;
    private WorkQueueConsumer _consumer = null!;
    private readonly Mock<IEmailTransport> _email = new(MockBehavior.Strict);
    private readonly List<EmailMessage> _sent = [];

    public async Task InitializeAsync()
    {
        _fixture = await SqliteStoreFixture.StartAsync();
        _fixture.Time.SetUtcNow(Start);
        var options = new NotificationOptions();
        options.Channels["email"] = new NotificationChannelOptions
        {
            Kind = NotificationChannelKinds.Smtp,
            Host = "localhost",
            From = "shop@example.com",
        };
        var notificationOptions = Options.Create(options);
        var queueOptions = Options.Create(new WorkQueueOptions());
        _queue = new SqliteWorkQueue(_fixture.Database, _fixture.Time, queueOptions);
        _log = new NotificationLog(_fixture.Store);
        _preferences = new NotificationPreferences(_fixture.Store, _fixture.Time, notificationOptions);
        _service = new NotificationService(
            _log,
            _fixture.Entries,
            _email.Object,
            Mock.Of<IHttpChannelTransport>(MockBehavior.Strict),
            _preferences,
            _queue,
            _fixture.Time,
            notificationOptions,
            NullLogger<NotificationService>.Instance
        );
        var triggers = new NotificationTriggerRegistry(
            _fixture.Store,
            _fixture.Time,
            Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 }),
            notificationOptions,
            _fixture.Registry
        );
        _handler = new NotificationWorkHandler(
            triggers,
            _service,
            _fixture.Entries,
            new NotificationDigests(_fixture.Store, _queue, _fixture.Time),
            _fixture.Time
        );
        _consumer = new WorkQueueConsumer(_queue, [_handler], queueOptions, _fixture.Time, NullLogger<WorkQueueConsumer>.Instance);
        _email
            .Setup(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>()))
            .Callback<EmailMessage, NotificationChannelOptions, CancellationToken>((m, _, _) => _sent.Add(m))
            .ReturnsAsync(ChannelOutcome.Ok("SMTP 250: OK: queued as abc"));
        await _fixture.Entries.CreateAsync(
            CustomerProfile.TypeKey,
            JsonNode
                .Parse("""{"id":"ana","email":"ana@example.com","name":"Ana","preferences":{"timeZone":"America/New_York"}}""")!
                .AsObject(),
            CancellationToken.None
        );
    }

    public async Task DisposeAsync()
    {
        _queue.Dispose();
        await _fixture.DisposeAsync();
    }

    private static NotificationMessage Message(string channel = "email", bool critical = false, string key = "k1") =>
        new()
        {
            CustomerId = "ana",
            Channel = channel,
            IdempotencyKey = key,
            Topic = "marketing",
            Critical = critical,
            Subject = "Hello",
            Body = "Body",
        };

    private async Task QuietHoursAsync(string start, string end) =>
        await _preferences.UpdateAsync(
            "ana",
            NotificationPreferences.Validate(
                JsonNode.Parse($$$"""{"quietHours":{"start":"{{{start}}}","end":"{{{end}}}"}}""")!.AsObject(),
                "test"
            ),
            CancellationToken.None
        );

    private async Task<JsonElement> EntryAsync(string deliveryId)
    {
        var stored = await _log.ReadDeliveryAsync("ana", deliveryId, CancellationToken.None);
        Assert.NotNull(stored);
        return JsonDocument.Parse(stored.Json).RootElement.Clone();
    }

    private static string[] History(JsonElement entry) =>
        [.. entry.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()!)];

    [Fact]
    public async Task Should_hold_a_message_in_quiet_hours_and_send_it_when_they_end_in_the_customers_time_zone()
    {
        await QuietHoursAsync("18:00", "08:00");

        var result = await _service.SendAsync(Message(), CancellationToken.None);

        // 08:00 in New York on 8 December is 13:00 UTC.
        var end = new DateTimeOffset(2026, 12, 8, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal((NotificationStatuses.Queued, end), (result.Status, result.HeldUntil));
        Assert.Contains("quiet hours: 18:00-08:00 in America/New_York (it is 18:30 there)", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_sent);
        var held = await EntryAsync(result.DeliveryId);
        Assert.Equal("queued", held.GetProperty("status").GetString());
        Assert.Equal("2026-12-08T13:00:00.000Z", held.GetProperty("heldUntil").GetString());

        // The same cause again while held: still one held work item, nothing sent.
        Assert.Equal(NotificationStatuses.Queued, (await _service.SendAsync(Message(), CancellationToken.None)).Status);

        _fixture.Time.SetUtcNow(end - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await _consumer.RunOnceAsync(_handler, CancellationToken.None));
        Assert.Empty(_sent);

        _fixture.Time.SetUtcNow(end);
        Assert.Equal(1, await _consumer.RunOnceAsync(_handler, CancellationToken.None));
        var email = Assert.Single(_sent);
        Assert.Equal(("ana@example.com", "Hello", "Body"), (email.To, email.Subject, email.TextBody));
        var delivered = await EntryAsync(result.DeliveryId);
        Assert.Equal("delivered", delivered.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, delivered.GetProperty("heldUntil").ValueKind);
        Assert.Equal(["queued", "queued", "queued", "sent", "delivered"], History(delivered));

        // Nothing left in the queue, and the cause once more sends nothing.
        Assert.Equal(0, await _consumer.RunOnceAsync(_handler, CancellationToken.None));
        var again = await _service.SendAsync(Message(), CancellationToken.None);
        Assert.True(again.Duplicate);
        Assert.Single(_sent);
    }

    [Fact]
    public async Task Should_send_critical_messages_in_quiet_hours_at_once()
    {
        await QuietHoursAsync("18:00", "08:00");

        var result = await _service.SendAsync(Message(critical: true), CancellationToken.None);

        Assert.Equal(NotificationStatuses.Delivered, result.Status);
        Assert.Null(result.HeldUntil);
        Assert.Single(_sent);
    }

    [Fact]
    public async Task Should_send_at_once_outside_quiet_hours()
    {
        await QuietHoursAsync("22:00", "07:00"); // 18:30 in New York

        var result = await _service.SendAsync(Message(), CancellationToken.None);

        Assert.Equal(NotificationStatuses.Delivered, result.Status);
        Assert.Single(_sent);
        Assert.Equal(0, await _consumer.RunOnceAsync(_handler, CancellationToken.None));
    }

    [Fact]
    public async Task Should_log_queued_sent_and_delivered_with_what_the_provider_answered()
    {
        _fixture.Time.SetUtcNow(Start);
        var inbox = await _service.SendAsync(Message("inbox"), CancellationToken.None);
        _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var email = await _service.SendAsync(Message(), CancellationToken.None);

        Assert.Equal(NotificationStatuses.Delivered, inbox.Status);
        var inboxEntry = await EntryAsync(inbox.DeliveryId);
        Assert.Equal(["queued", "sent", "delivered"], History(inboxEntry));
        Assert.Equal("inbox: stored as " + NotificationLog.InboxId(inbox.DeliveryId), inboxEntry.GetProperty("reason").GetString());
        var emailEntry = await EntryAsync(email.DeliveryId);
        Assert.Equal(["queued", "sent", "delivered"], History(emailEntry));
        Assert.Equal("SMTP 250: OK: queued as abc", emailEntry.GetProperty("reason").GetString());
        Assert.Equal("2026-12-07T23:30:01.000Z", emailEntry.GetProperty("sentAt").GetString());
        Assert.Equal("2026-12-07T23:30:01.000Z", emailEntry.GetProperty("deliveredAt").GetString());
        Assert.Equal(1, emailEntry.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Should_log_a_failed_attempt_and_then_the_delivery_of_the_retry()
    {
        _email.Reset();
        _email
            .SetupSequence(e =>
                e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>())
            )
            .ReturnsAsync(new ChannelOutcome(false, "SMTP 421: try later"))
            .ReturnsAsync(ChannelOutcome.Ok("SMTP 250: OK"));

        var first = await _service.SendAsync(Message(), CancellationToken.None);
        var failed = await EntryAsync(first.DeliveryId);
        var second = await _service.SendAsync(Message(), CancellationToken.None);
        var delivered = await EntryAsync(second.DeliveryId);

        Assert.Equal((NotificationStatuses.Failed, "SMTP 421: try later"), (first.Status, first.Reason));
        Assert.True(first.ShouldRetry);
        Assert.Equal(["queued", "sent", "failed"], History(failed));
        Assert.Equal(
            JsonValueKind.Undefined,
            failed.TryGetProperty("deliveredAt", out var none) ? none.ValueKind : JsonValueKind.Undefined
        );
        Assert.Equal(NotificationStatuses.Delivered, second.Status);
        Assert.False(second.Duplicate);
        Assert.Equal(["queued", "sent", "failed", "sent", "delivered"], History(delivered));
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Should_not_log_a_permanent_refusal_as_delivered()
    {
        _email.Reset();
        _email
            .Setup(e => e.SendAsync(It.IsAny<EmailMessage>(), It.IsAny<NotificationChannelOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ChannelOutcome(false, "SMTP 550: no such mailbox", Permanent: true));

        var result = await _service.SendAsync(Message(), CancellationToken.None);

        Assert.Equal(NotificationStatuses.Suppressed, result.Status);
        var entry = await EntryAsync(result.DeliveryId);
        Assert.Equal("suppressed", entry.GetProperty("status").GetString());
        Assert.False(entry.TryGetProperty("deliveredAt", out _));
    }

    [Theory]
    // Lisbon springs forward at 01:00 UTC on 28 March 2027 (01:00 WET -> 02:00 WEST): 01:30 does not exist there.
    [InlineData("2027-03-27T23:00:00", "01:30", "2027-03-28T01:00:00Z")]
    // and falls back at 01:00 UTC on 31 October 2027 (02:00 WEST -> 01:00 WET): 01:30 happens twice, the first is 00:30 UTC.
    [InlineData("2027-10-30T23:00:00", "01:30", "2027-10-31T00:30:00Z")]
    // an end earlier than now is tomorrow's
    [InlineData("2027-01-10T23:00:00", "07:00", "2027-01-11T07:00:00Z")]
    public void Should_end_quiet_hours_at_the_next_wall_clock_end_across_daylight_saving(string localNow, string end, string expected)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon");

        var until = NotificationPreferences.QuietHoursEnd(
            DateTime.Parse(localNow, System.Globalization.CultureInfo.InvariantCulture),
            TimeOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture),
            zone
        );

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), until);
    }
}
