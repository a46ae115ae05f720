using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Queues;
using Cx.Core.Tests.Content;
using Cx.Core.Webhooks;
using Cx.Embedded.Queues;
using Cx.Http.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Webhooks;

/// <summary>
/// Outbound webhooks end to end below HTTP: real SQLite store and change feed, the embedded work
/// queue, the change hook, the delivery handler and the real HTTP transport to a real receiver on
/// a loopback port; time is a fake clock, so "down for hours" or "failing for five days" runs in
/// seconds. The consumer loop's own code settles every delivery.
/// </summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly string SecretA = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string SecretB = "whsec_" + Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    private SqliteStoreFixture _store = null!;
    private WebhookReceiver _receiver = null!;
    private ServiceProvider _http = null!;
    private SqliteWorkQueue _queue = null!;
    private WebhookRegistry _registry = null!;
    private WebhookDeliveryLog _log = null!;
    private WebhookHook _hook = null!;
    private WebhookDeliveryHandler _handler = null!;
    private WorkQueueConsumer _consumer = null!;
    private WebhookService _service = null!;
    private DataProtectionSecretProtector _protector = null!;
    private readonly string _keysFolder = Path.Combine(Path.GetTempPath(), "cx-core-tests", "keys-" + Guid.NewGuid().ToString("n"));

    public async Task InitializeAsync()
    {
        _store = await SqliteStoreFixture.StartAsync();
        _receiver = await WebhookReceiver.StartAsync();
        var webhookOptions = Options.Create(
            new WebhookOptions
            {
                AllowPrivateAddresses = true,
                TimeoutSeconds = 5,
                SecretKeysFolder = _keysFolder,
            }
        );
        _protector = new DataProtectionSecretProtector(webhookOptions);
        var services = new ServiceCollection();
        services.AddSingleton(webhookOptions);
        services.AddCxWebhookHttp();
        _http = services.BuildServiceProvider();
        _queue = new SqliteWorkQueue(_store.Database, _store.Time, Options.Create(new WorkQueueOptions()));
        _registry = new WebhookRegistry(
            _store.Store,
            _store.Time,
            Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 }),
            webhookOptions,
            NullLogger<WebhookRegistry>.Instance,
            _store.Registry,
            _protector
        );
        _log = new WebhookDeliveryLog(_store.Store);
        _hook = new WebhookHook(_registry, _queue, _store.Time);
        _handler = new WebhookDeliveryHandler(
            _registry,
            _log,
            new HttpWebhookTransport(_http.GetRequiredService<IHttpClientFactory>(), webhookOptions),
            new StandardWebhookSigner(),
            _protector,
            _store.Time,
            webhookOptions,
            NullLogger<WebhookDeliveryHandler>.Instance
        );
        _consumer = new WorkQueueConsumer(
            _queue,
            [_handler],
            Options.Create(new WorkQueueOptions()),
            _store.Time,
            NullLogger<WorkQueueConsumer>.Instance
        );
        _service = new WebhookService(_registry, _log, _queue, _store.Time);
        await _store.DrainChangesAsync("webhooks");
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _http.DisposeAsync();
        _queue.Dispose();
        _registry.Dispose();
        await _store.DisposeAsync();
        if (Directory.Exists(_keysFolder))
        {
            Directory.Delete(_keysFolder, recursive: true);
        }
    }

    private Task Subscribe(string key, string path, params string[] eventTypes) =>
        _registry.CreateAsync(
            new WebhookSubscription
            {
                Key = key,
                Url = _receiver.BaseUrl + path,
                EventTypes = [.. eventTypes],
                Secrets = [new WebhookSecret { Value = SecretA }],
            },
            CancellationToken.None
        );

    /// <summary>Writes a ticket (created, or updated when it exists) and runs the hook on the change feed, as the dispatcher does.</summary>
    private async Task WriteTicket(string id, string subject)
    {
        var now = Instants.Format(_store.Time.GetUtcNow());
        var existing = await _store.Store.ReadAsync(Containers.Content, new DocumentKey("ticket", id), CancellationToken.None);
        var createdAt = existing is null ? now : JsonNode.Parse(existing.Json.Span)!["createdAt"]!.GetValue<string>();
        var json = Encoding.UTF8.GetBytes(
            $$"""{"id":"{{id}}","type":"ticket","subject":"{{subject}}","createdAt":"{{createdAt}}","updatedAt":"{{now}}"}"""
        );
        var write = new DocumentWrite(id, "ticket", "ticket", json);
        if (existing is null)
        {
            await _store.Store.CreateAsync(Containers.Content, write, CancellationToken.None);
        }
        else
        {
            await _store.Store.ReplaceAsync(Containers.Content, write, null, CancellationToken.None);
        }
        var batch = await _store.Feed.ReadAsync("webhooks", 1000, CancellationToken.None);
        await _hook.HandleAsync(batch.Changes.Where(_hook.Wants).ToList(), CancellationToken.None);
        await _store.Feed.CommitAsync("webhooks", batch.Checkpoint, CancellationToken.None);
        _store.Time.Advance(TimeSpan.FromSeconds(1));
    }

    /// <summary>Runs the consumer until nothing is due, then moves the clock by <paramref name="step"/>, until <paramref name="until"/>.</summary>
    private async Task RunUntil(DateTimeOffset until, TimeSpan step)
    {
        while (true)
        {
            while (await _consumer.RunOnceAsync(_handler, CancellationToken.None) > 0) { }
            if (_store.Time.GetUtcNow() >= until)
            {
                return;
            }
            _store.Time.Advance(step);
        }
    }

    private static string Subject(WebhookReceiver.Received received) =>
        JsonNode.Parse(received.Body)!["data"]!["subject"]!.GetValue<string>();

    [Fact]
    public async Task Should_deliver_every_change_in_order_per_subscription_after_the_receiver_was_down_for_hours()
    {
        await Subscribe("all-tickets", "/all", "ticket.*");
        await Subscribe("updates-only", "/updates", "ticket.updated");
        _receiver.Down = true;
        var start = _store.Time.GetUtcNow();
        for (var i = 0; i < 4; i++)
        {
            await WriteTicket($"t{i}", $"t{i} v1");
        }
        for (var i = 0; i < 4; i++)
        {
            await WriteTicket($"t{i}", $"t{i} v2");
        }

        await RunUntil(start.AddHours(6), TimeSpan.FromMinutes(1));
        Assert.Empty(_receiver.Requests);
        Assert.True(_receiver.Refused >= 10, $"only {_receiver.Refused} attempts while down");

        _receiver.Down = false;
        await RunUntil(start.AddHours(9), TimeSpan.FromMinutes(1));

        var all = _receiver.Requests.Where(r => r.Path == "/all").ToList();
        var updates = _receiver.Requests.Where(r => r.Path == "/updates").ToList();
        Assert.Equal(["t0 v1", "t1 v1", "t2 v1", "t3 v1", "t0 v2", "t1 v2", "t2 v2", "t3 v2"], all.Select(Subject));
        Assert.Equal(["t0 v2", "t1 v2", "t2 v2", "t3 v2"], updates.Select(Subject));
        Assert.Equal(["ticket.created", "ticket.updated"], all.Select(r => JsonNode.Parse(r.Body)!["type"]!.GetValue<string>()).Distinct());
        Assert.All(_receiver.Requests, r => Assert.True(Verifies(SecretA, r), $"signature of {r.WebhookId} does not verify"));
        Assert.Equal(12, _receiver.Requests.Select(r => r.WebhookId).Distinct().Count());

        // The first delivery of each subscription waited through the schedule: 6 attempts, the last one succeeded.
        var page = await _log.ListAsync("all-tickets", null, 100, null, CancellationToken.None);
        Assert.Equal(8, page.Items.Count);
        var first = JsonNode.Parse(page.Items[^1].Json.Span)!;
        Assert.Equal(("succeeded", 6), (first["status"]!.GetValue<string>(), first["attemptCount"]!.GetValue<int>()));
        var attempts = first["attempts"]!.AsArray();
        Assert.Equal(503, attempts[0]!["response"]!["status"]!.GetValue<int>());
        Assert.Equal(204, attempts[^1]!["response"]!["status"]!.GetValue<int>());
        Assert.StartsWith("v1,", attempts[^1]!["request"]!["headers"]!["webhook-signature"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await _queue.ListDeadLettersAsync(WebhookOptions.Queue, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Should_retry_on_the_schedule_for_days_then_dead_letter_in_order_and_replay_the_dead_letters_once_the_receiver_is_back()
    {
        await Subscribe("down-a", "/a", "ticket.*");
        await Subscribe("down-b", "/b", "ticket.created");
        _receiver.Down = true;
        var start = _store.Time.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await WriteTicket($"d{i}", $"d{i}");
        }

        // Each delivery gives up after 8 attempts over about 27.6 hours; one subscription's
        // deliveries go one after the other, so three take about 83 hours. No real waiting: the fake clock moves.
        var schedule = WebhookDeliveryHandler.Schedule.Delays;
        var perDelivery = schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        await RunUntil(start + 3 * (perDelivery + TimeSpan.FromMinutes(10)), TimeSpan.FromMinutes(1));

        Assert.Empty(_receiver.Requests);
        Assert.Equal(2 * 3 * 8, _receiver.Refused); // every attempt of the schedule, none more, none lost
        var letters = await _queue.ListDeadLettersAsync(WebhookOptions.Queue, 100, CancellationToken.None);
        Assert.Equal(6, letters.Count);
        Assert.All(letters, l => Assert.Equal(8, l.Attempts));
        Assert.All(letters, l => Assert.StartsWith("Gave up after 8 attempts: HTTP 503", l.Reason, StringComparison.Ordinal));
        foreach (var key in new[] { "down-a", "down-b" })
        {
            var page = await _log.ListAsync(key, null, 100, null, CancellationToken.None);
            var deliveries = page.Items.Reverse().Select(d => JsonNode.Parse(d.Json.Span)!).ToList(); // oldest first
            Assert.Equal(
                ["d0", "d1", "d2"],
                deliveries.Select(d => JsonNode.Parse(d["payload"]!.GetValue<string>())!["data"]!["subject"]!.GetValue<string>())
            );
            DateTimeOffset? previousLast = null;
            foreach (var delivery in deliveries)
            {
                Assert.Equal(("failed", 8), (delivery["status"]!.GetValue<string>(), delivery["attemptCount"]!.GetValue<int>()));
                var times = delivery["attempts"]!
                    .AsArray()
                    .Select(a => DateTimeOffset.Parse(a!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture))
                    .ToList();
                for (var i = 1; i < times.Count; i++)
                {
                    Assert.InRange(times[i] - times[i - 1], schedule[i - 1], schedule[i - 1] + TimeSpan.FromMinutes(1));
                }
                // Order per subscription: a delivery's first attempt comes after the one before it gave up.
                Assert.True(
                    previousLast is null || times[0] >= previousLast,
                    $"{key}: a later delivery was tried before the earlier one gave up"
                );
                previousLast = times[^1];
            }
            Assert.Equal(3, letters.Count(l => l.PartitionKey == key));
        }
        Assert.True((await _registry.GetAsync("down-a", CancellationToken.None)).Definition.Enabled); // under five days: not disabled

        // The receiver is back: the dead letters of one subscription are replayed, in order, with their webhook ids.
        _receiver.Down = false;
        Assert.Equal(3, await _service.ReplayDeadLettersAsync("down-a", CancellationToken.None));
        await RunUntil(_store.Time.GetUtcNow().AddMinutes(1), TimeSpan.FromMinutes(1));
        var replayed = _receiver.Requests.ToList();
        Assert.Equal(["d0", "d1", "d2"], replayed.Select(Subject));
        Assert.All(replayed, r => Assert.Equal("/a", r.Path));
        Assert.All(replayed, r => Assert.True(Verifies(SecretA, r)));
        var original = (await _log.ListAsync("down-a", null, 100, null, CancellationToken.None))
            .Items.Select(d => JsonNode.Parse(d.Json.Span)!)
            .Where(d => d["status"]!.GetValue<string>() == "failed")
            .Select(d => d["webhookId"]!.GetValue<string>())
            .Reverse();
        Assert.Equal(original, replayed.Select(r => r.WebhookId));

        Assert.Equal(3, await _service.ReplayDeadLettersAsync("down-b", CancellationToken.None));
        await RunUntil(_store.Time.GetUtcNow().AddMinutes(1), TimeSpan.FromMinutes(1));
        Assert.Equal(["d0", "d1", "d2"], _receiver.Requests.Where(r => r.Path == "/b").Select(Subject));
        Assert.Equal(6, _receiver.Requests.Count);
        await Assert.ThrowsAsync<NotFoundException>(async () => await _service.ReplayDeadLettersAsync("no-such", CancellationToken.None));
    }

    [Fact]
    public async Task Should_follow_the_retry_schedule_then_give_up_and_disable_after_five_days_and_replay_since_then()
    {
        await Subscribe("flaky", "/flaky", "ticket.*");
        _receiver.Down = true;
        var start = _store.Time.GetUtcNow();
        for (var i = 0; i < 6; i++)
        {
            await WriteTicket($"f{i}", $"f{i}");
        }

        await RunUntil(start.AddDays(6), TimeSpan.FromMinutes(1));

        // The first delivery: attempts at +0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failure, then failed.
        var page = await _log.ListAsync("flaky", null, 100, null, CancellationToken.None);
        var first = JsonNode.Parse(page.Items[^1].Json.Span)!;
        Assert.Equal(("failed", 8), (first["status"]!.GetValue<string>(), first["attemptCount"]!.GetValue<int>()));
        var times = first["attempts"]!
            .AsArray()
            .Select(a => DateTimeOffset.Parse(a!["at"]!.GetValue<string>(), CultureInfo.InvariantCulture))
            .ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        var expected = WebhookDeliveryHandler.Schedule.Delays;
        for (var i = 0; i < gaps.Count; i++)
        {
            // The consumer sees a due message at the next one-minute step of the fake clock.
            Assert.InRange(gaps[i], expected[i], expected[i] + TimeSpan.FromMinutes(1));
        }

        var subscription = (await _registry.GetAsync("flaky", CancellationToken.None)).Definition;
        Assert.False(subscription.Enabled);
        Assert.Contains("every delivery has failed since", subscription.DisabledReason, StringComparison.Ordinal);
        var statuses = page.Items.Select(d => JsonNode.Parse(d.Json.Span)!["status"]!.GetValue<string>()).ToList();
        Assert.Equal(6, statuses.Count);
        Assert.All(statuses, s => Assert.Contains(s, new[] { "failed", "skipped" }));
        Assert.Contains("skipped", statuses);
        Assert.Empty(_receiver.Requests);

        // The receiver is fixed, the subscription enabled again, and everything since the start replayed, in order.
        _receiver.Down = false;
        await _registry.ReplaceAsync("flaky", subscription with { Enabled = true }, null, CancellationToken.None);
        Assert.Null((await _registry.GetAsync("flaky", CancellationToken.None)).Definition.DisabledReason);
        Assert.Equal(6, await _service.ReplaySinceAsync("flaky", start, CancellationToken.None));
        await RunUntil(_store.Time.GetUtcNow().AddMinutes(1), TimeSpan.FromMinutes(1));

        Assert.Equal(["f0", "f1", "f2", "f3", "f4", "f5"], _receiver.Requests.Select(Subject));
        Assert.All(_receiver.Requests, r => Assert.True(Verifies(SecretA, r)));
    }

    [Fact]
    public async Task Should_sign_with_both_secrets_while_rotating_and_with_the_new_one_alone_after_the_overlap()
    {
        await _registry.CreateAsync(
            new WebhookSubscription
            {
                Key = "rotating",
                Url = _receiver.BaseUrl + "/r",
                EventTypes = ["*"],
                Secrets =
                [
                    new WebhookSecret { Value = SecretA, ExpiresAt = Instants.Format(_store.Time.GetUtcNow().AddHours(1)) },
                    new WebhookSecret { Value = SecretB },
                ],
            },
            CancellationToken.None
        );
        await WriteTicket("r1", "during overlap");
        await RunUntil(_store.Time.GetUtcNow(), TimeSpan.FromSeconds(1));
        _store.Time.Advance(TimeSpan.FromHours(1));
        await WriteTicket("r2", "after overlap");
        await RunUntil(_store.Time.GetUtcNow(), TimeSpan.FromSeconds(1));

        var received = _receiver.Requests.ToList();
        Assert.Equal(2, received.Count);
        Assert.Equal(2, received[0].Signature.Split(' ').Length);
        Assert.True(Verifies(SecretA, received[0]) && Verifies(SecretB, received[0]));
        Assert.Single(received[1].Signature.Split(' '));
        Assert.False(Verifies(SecretA, received[1]));
        Assert.True(Verifies(SecretB, received[1]));
    }

    [Fact]
    public async Task Should_store_only_the_protected_secret_and_still_sign_with_it_and_rotate_by_id()
    {
        await Subscribe("sealed", "/sealed", "ticket.*");
        var stored = await _store.Store.ReadAsync(
            Containers.Definitions,
            new DocumentKey(WebhookRegistry.Document, "sealed"),
            CancellationToken.None
        );
        var json = Encoding.UTF8.GetString(stored!.Json.Span);
        var base64 = SecretA["whsec_".Length..];
        Assert.DoesNotContain(base64, json, StringComparison.Ordinal);
        var secret = JsonNode.Parse(json)!["secrets"]![0]!;
        Assert.Equal(WebhookSecretIds.Of(SecretA), secret["id"]!.GetValue<string>());
        Assert.Null(secret["value"]);
        var protectedValue = secret["protected"]!.GetValue<string>();
        Assert.Equal(SecretA, _protector.Unprotect(protectedValue));
        // Another key ring cannot open it: the key, not the format, keeps the secret.
        var otherFolder = Path.Combine(_keysFolder, "other");
        var other = new DataProtectionSecretProtector(Options.Create(new WebhookOptions { SecretKeysFolder = otherFolder }));
        Assert.ThrowsAny<CryptographicException>(() => other.Unprotect(protectedValue));

        await WriteTicket("s1", "signed from the protected secret");
        await RunUntil(_store.Time.GetUtcNow(), TimeSpan.FromSeconds(1));
        Assert.True(Verifies(SecretA, Assert.Single(_receiver.Requests)));

        // Rotation by id: keep A for an hour of overlap (by its id, without its value), add B.
        var current = (await _registry.GetAsync("sealed", CancellationToken.None)).Definition;
        await _registry.ReplaceAsync(
            "sealed",
            current with
            {
                Secrets =
                [
                    new WebhookSecret
                    {
                        Id = WebhookSecretIds.Of(SecretA),
                        ExpiresAt = Instants.Format(_store.Time.GetUtcNow().AddHours(1)),
                    },
                    new WebhookSecret { Value = SecretB },
                ],
            },
            null,
            CancellationToken.None
        );
        await WriteTicket("s2", "during the overlap");
        await RunUntil(_store.Time.GetUtcNow(), TimeSpan.FromSeconds(1));
        var during = _receiver.Requests.Last();
        Assert.True(Verifies(SecretA, during) && Verifies(SecretB, during));

        // Every byte the database holds (main file and write-ahead log): neither secret appears.
        var bytes = string.Concat(
            Directory
                .GetFiles(Path.GetDirectoryName(_store.Database.FilePath)!, "*", SearchOption.TopDirectoryOnly)
                .Select(f => Convert.ToHexString(File.ReadAllBytes(f)))
        );
        foreach (var value in new[] { SecretA, SecretB })
        {
            Assert.DoesNotContain(Convert.ToHexString(Encoding.UTF8.GetBytes(value["whsec_".Length..])), bytes, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(Convert.FromBase64String(value["whsec_".Length..])), bytes, StringComparison.Ordinal);
        }
        Assert.Contains(Convert.ToHexString(Encoding.UTF8.GetBytes(WebhookSecretIds.Of(SecretB))), bytes, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<ValidationException>(() =>
            _registry.ReplaceAsync(
                "sealed",
                current with
                {
                    Secrets = [new WebhookSecret { Id = "sec_000000000000" }],
                },
                null,
                CancellationToken.None
            )
        );
        Assert.Equal(("/secrets/0/id", "unknown-secret"), (Assert.Single(unknown.Errors).Path, unknown.Errors[0].Code));
    }

    [Fact]
    public async Task Should_replay_one_delivery_with_the_same_webhook_id_as_a_new_delivery()
    {
        await Subscribe("replayed", "/again", "ticket.created");
        await WriteTicket("x1", "once");
        await RunUntil(_store.Time.GetUtcNow(), TimeSpan.FromSeconds(1));
        var original = Assert.Single((await _log.ListAsync("replayed", null, 10, null, CancellationToken.None)).Items);

        var replayId = await _service.ReplayAsync("replayed", original.Id, CancellationToken.None);
        await RunUntil(_store.Time.GetUtcNow(), TimeSpan.FromSeconds(1));

        Assert.StartsWith(original.Id + ".r", replayId, StringComparison.Ordinal);
        var received = _receiver.Requests.ToList();
        Assert.Equal(2, received.Count);
        Assert.Equal(received[0].WebhookId, received[1].WebhookId);
        Assert.Equal(received[0].Body, received[1].Body);
        Assert.Equal(2, (await _log.ListAsync("replayed", null, 10, null, CancellationToken.None)).Items.Count);
        await Assert.ThrowsAsync<NotFoundException>(async () =>
            await _service.ReplayAsync("replayed", "msg_00000000000000000000000000000000", CancellationToken.None)
        );
    }

    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://192.168.0.10/hook")]
    [InlineData("https://user:pass@example.com/hook")]
    [InlineData("http://example.com/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("not a url")]
    public void Should_refuse_urls_that_are_not_public_https_without_the_development_option(string url)
    {
        var error = Assert.Throws<ValidationException>(() =>
            WebhookRegistry.Validate(
                new WebhookSubscription
                {
                    Key = "s",
                    Url = url,
                    EventTypes = ["*"],
                    Secrets = [new WebhookSecret { Value = SecretA }],
                },
                allowPrivateAddresses: false,
                DateTimeOffset.UnixEpoch
            )
        );
        Assert.Equal("/url", Assert.Single(error.Errors).Path);
    }

    [Fact]
    public void Should_report_every_problem_of_a_subscription_with_its_pointer()
    {
        var error = Assert.Throws<ValidationException>(() =>
            WebhookRegistry.Validate(
                new WebhookSubscription
                {
                    Key = "Bad Key",
                    Url = "https://hooks.example.com/in",
                    EventTypes = ["ticket.*", "ticket.renamed", ""],
                    Secrets = [new WebhookSecret { Value = "whsec_short" }, new WebhookSecret { Value = SecretB, ExpiresAt = "tomorrow" }],
                },
                allowPrivateAddresses: false,
                DateTimeOffset.UnixEpoch
            )
        );
        Assert.Equal(
            ["/eventTypes/1", "/eventTypes/2", "/key", "/secrets/0/value", "/secrets/1/expiresAt"],
            error.Errors.Select(e => e.Path).Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public async Task Should_refuse_to_connect_to_a_host_that_resolves_to_loopback_when_private_addresses_are_not_allowed()
    {
        var options = Options.Create(new WebhookOptions { AllowPrivateAddresses = false, TimeoutSeconds = 5 });
        var services = new ServiceCollection();
        services.AddSingleton(options);
        services.AddCxWebhookHttp();
        await using var provider = services.BuildServiceProvider();
        var transport = new HttpWebhookTransport(provider.GetRequiredService<IHttpClientFactory>(), options);
        // localhost passes no save-time check here: the connect callback resolves it and refuses.
        var url = _receiver.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/ssrf";

        var response = await transport.SendAsync(new WebhookRequest(url, [], "{}"u8.ToArray()), CancellationToken.None);

        Assert.Equal(0, response.StatusCode);
        Assert.Contains("private, loopback", response.Error, StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);
    }

    /// <summary>Standard Webhooks verification written from the specification, independent of the signer.</summary>
    private static bool Verifies(string secret, WebhookReceiver.Received received)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(
            HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{received.WebhookId}.{received.Timestamp}.{received.Body}"))
        );
        return received.Signature.Split(' ').Any(s => s == "v1," + expected);
    }
}
