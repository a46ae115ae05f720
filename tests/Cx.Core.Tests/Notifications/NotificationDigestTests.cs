using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
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
/// Digests (ADR 0461) over a real SQLite store and work queue with a fake clock: the items of a period
/// are collected per key and go out as one message when the period ends; a redelivered cause is
/// collected once; the delivery log names the digest and its items; bad digest settings are refused
/// with their JSON Pointers.
/// </summary>
public sealed class NotificationDigestTests : IAsyncLifetime
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
    private NotificationTriggerRegistry _triggers = null!;
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
        _triggers = new NotificationTriggerRegistry(
            _fixture.Store,
            _fixture.Time,
            Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 }),
            notificationOptions,
            _fixture.Registry
        );
        _handler = new NotificationWorkHandler(
            _triggers,
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

    private static NotificationTrigger Trigger(string period = "PT1H", params string[] keys) =>
        new()
        {
            Key = "order-digest",
            On = new TriggerSource
            {
                Kind = TriggerKinds.Content,
                ContentType = "order",
                Change = "created",
            },
            Channels = new(["email"]),
            Topic = "orders",
            Digest = new NotificationDigest { Period = period, Keys = new(keys) },
            Templates = new([
                new NotificationTemplate
                {
                    Channel = "email",
                    Subject = "{{ digest.count }} orders",
                    Body = "{% for item in digest.items %}{{ item.document.number }} {{ item.document.currency }};{% endfor %}",
                },
            ]),
        };

    private static NotificationWorkItem Order(string number, string currency = "EUR") =>
        new()
        {
            Trigger = "order-digest",
            CauseId = "content/ana/" + number + "@1",
            CustomerId = "ana",
            Document = JsonNode.Parse($$"""{"id":"{{number}}","customer":"ana","number":"{{number}}","currency":"{{currency}}"}"""),
        };

    private async Task FireAsync(params NotificationWorkItem[] items)
    {
        await _queue.EnqueueAsync(NotificationOptions.Queue, [.. items.Select(i => i.ToQueueMessage(null))], CancellationToken.None);
        while (await _consumer.RunOnceAsync(_handler, CancellationToken.None) > 0) { }
    }

    /// <summary>The same change handed over again after the queue forgot it (a new message id): only the digest stands between it and a second listing.</summary>
    private async Task RedeliverAsync(NotificationWorkItem item)
    {
        var message = item.ToQueueMessage(null);
        await _queue.EnqueueAsync(NotificationOptions.Queue, [message with { Id = message.Id + "-again" }], CancellationToken.None);
        while (await _consumer.RunOnceAsync(_handler, CancellationToken.None) > 0) { }
    }

    private async Task<int> DrainAsync()
    {
        var handled = 0;
        int n;
        while ((n = await _consumer.RunOnceAsync(_handler, CancellationToken.None)) > 0)
        {
            handled += n;
        }
        return handled;
    }

    [Fact]
    public async Task Should_send_one_message_listing_the_three_orders_of_the_period_when_it_ends()
    {
        await _triggers.CreateAsync(Trigger(), CancellationToken.None);

        await FireAsync(Order("A-1"));
        _fixture.Time.SetUtcNow(Start + TimeSpan.FromMinutes(20));
        await FireAsync(Order("A-2"));
        _fixture.Time.SetUtcNow(Start + TimeSpan.FromMinutes(40));
        await FireAsync(Order("A-3"));
        await RedeliverAsync(Order("A-2"));
        Assert.Empty(_sent);

        // The period (1 h from the first order) has not ended: the flush is not due.
        _fixture.Time.SetUtcNow(Start + TimeSpan.FromMinutes(59));
        Assert.Equal(0, await DrainAsync());
        Assert.Empty(_sent);

        _fixture.Time.SetUtcNow(Start + TimeSpan.FromHours(1) + NotificationDigests.FlushGrace);
        Assert.Equal(1, await DrainAsync());
        var email = Assert.Single(_sent);
        Assert.Equal(("3 orders", "A-1 EUR;A-2 EUR;A-3 EUR;"), (email.Subject, email.TextBody));

        // The delivery log names the digest and lists its items' causes, oldest first.
        var page = await _log.ListAsync(NotificationLog.DeliveryType, "ana", false, 10, null, CancellationToken.None);
        var entry = JsonDocument.Parse(Assert.Single(page.Items).Json).RootElement;
        Assert.Equal("delivered", entry.GetProperty("status").GetString());
        var digest = entry.GetProperty("digest");
        Assert.StartsWith("dgs_", digest.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, digest.GetProperty("count").GetInt32());
        Assert.Equal(
            ["content/ana/A-1@1", "content/ana/A-2@1", "content/ana/A-3@1"],
            digest.GetProperty("items").EnumerateArray().Select(i => i.GetString()!)
        );

        // A later order opens the next digest; the first is not sent again.
        _fixture.Time.SetUtcNow(Start + TimeSpan.FromHours(2));
        await FireAsync(Order("A-4"));
        await RedeliverAsync(Order("A-1"));
        _fixture.Time.SetUtcNow(Start + TimeSpan.FromHours(3) + NotificationDigests.FlushGrace);
        Assert.Equal(1, await DrainAsync());
        Assert.Equal(2, _sent.Count);
        Assert.Equal(("1 orders", "A-4 EUR;"), (_sent[1].Subject, _sent[1].TextBody));
    }

    [Fact]
    public async Task Should_keep_one_digest_per_value_of_the_digest_keys()
    {
        await _triggers.CreateAsync(Trigger("PT10M", "document.currency"), CancellationToken.None);

        await FireAsync(Order("A-1", "EUR"), Order("A-2", "USD"), Order("A-3", "EUR"));
        _fixture.Time.SetUtcNow(Start + TimeSpan.FromMinutes(10) + NotificationDigests.FlushGrace);
        Assert.Equal(2, await DrainAsync());

        Assert.Equal(["A-1 EUR;A-3 EUR;", "A-2 USD;"], _sent.Select(m => m.TextBody).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_check_quiet_hours_when_the_digest_is_sent_not_when_it_collects()
    {
        await _triggers.CreateAsync(Trigger("PT1H"), CancellationToken.None);
        await FireAsync(Order("A-1"));
        // 18:30 in New York now; quiet hours from 19:00 are set after the item was collected.
        await _preferences.UpdateAsync(
            "ana",
            NotificationPreferences.Validate(JsonNode.Parse("""{"quietHours":{"start":"19:00","end":"08:00"}}""")!.AsObject(), "test"),
            CancellationToken.None
        );

        _fixture.Time.SetUtcNow(Start + TimeSpan.FromHours(1) + NotificationDigests.FlushGrace);
        Assert.Equal(1, await DrainAsync());

        Assert.Empty(_sent);
        var page = await _log.ListAsync(NotificationLog.DeliveryType, "ana", false, 10, null, CancellationToken.None);
        var entry = JsonDocument.Parse(Assert.Single(page.Items).Json).RootElement;
        Assert.Equal("queued", entry.GetProperty("status").GetString());
        Assert.Equal("2026-12-08T13:00:00.000Z", entry.GetProperty("heldUntil").GetString());
        Assert.Equal(1, entry.GetProperty("digest").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Should_refuse_bad_digest_settings_with_their_pointers()
    {
        var trigger = Trigger("PT0S", "document.nope", "customer", "document.currency", "document.currency") with
        {
            Templates = new([new NotificationTemplate { Channel = "email", Body = "{{ document.number }}" }]),
        };

        var error = await Assert.ThrowsAsync<ValidationException>(() => _triggers.CreateAsync(trigger, CancellationToken.None));

        var pointers = error.Errors.Select(e => (e.Path, e.Code)).ToList();
        Assert.Contains(("/digest/period", "duration"), pointers);
        Assert.Contains(("/digest/keys/0", "digest-key"), pointers);
        Assert.Contains(("/digest/keys/1", "digest-key"), pointers);
        Assert.DoesNotContain(("/digest/keys/2", "digest-key"), pointers);
        Assert.Contains(("/digest/keys/3", "duplicate"), pointers);
        // A digest's message reads digest.items, not the single document.
        Assert.Contains(("/templates/0/body", "unknown-field"), pointers);
        Assert.Empty((await _triggers.ListAsync(10, null, CancellationToken.None)).Items);
    }
}
