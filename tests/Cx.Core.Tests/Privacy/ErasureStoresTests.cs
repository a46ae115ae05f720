using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Personalization;
using Cx.Core.Privacy;
using Cx.Core.Realtime;
using Cx.Core.Webhooks;
using Cx.Embedded.Events;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cx.Core.Tests.Privacy;

/// <summary>
/// The stores an erasure reaches besides the documents and the analytics facts (ADR 0454), on the
/// composed embedded app over real SQLite files: the personalization decision log, webhook delivery
/// payloads, the realtime channel log, device sessions and the raw event log. Each is written with
/// the customer's data (and a second customer's, which must stay), then read back after the erasure.
/// </summary>
public sealed class ErasureStoresTests : IDisposable
{
    private const string Secret = "door code 4711 of erase-me";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-erasure-stores-" + Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static TrackedEvent Event(string id, string? customer, string? anonymous, string properties) =>
        new()
        {
            Id = id,
            Type = "erasure_probe",
            CustomerId = customer,
            AnonymousId = anonymous,
            Timestamp = TimeProvider.System.GetUtcNow().AddMinutes(-1),
            ReceivedAt = TimeProvider.System.GetUtcNow(),
            Properties = Encoding.UTF8.GetBytes(properties),
        };

    /// <summary>Completes once committed batches have applied events of every subject it waits for (no polling).</summary>
    private sealed class BatchWatch(params string[] subjects) : IEventBatchObserver
    {
        private readonly HashSet<string> _missing = [.. subjects];
        private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Applied => _applied.Task;

        public ValueTask OnBatchCommittedAsync(EventBatchSummary summary, CancellationToken cancellationToken)
        {
            lock (_missing)
            {
                _missing.ExceptWith(summary.CustomerIds);
                _missing.ExceptWith(summary.AnonymousIds);
                if (_missing.Count == 0)
                {
                    _applied.TrySetResult();
                }
            }
            return ValueTask.CompletedTask;
        }
    }

    private static async Task DrainAsync(IServiceProvider services, BatchWatch watch)
    {
        var processor = services.GetServices<IHostedService>().OfType<EmbeddedEventProcessor>().Single();
        await processor.StartAsync(CancellationToken.None);
        await watch.Applied.WaitAsync(TimeSpan.FromSeconds(30));
        await processor.StopAsync(CancellationToken.None);
    }

    private static string LogText(SqliteEventLog log)
    {
        var text = new StringBuilder();
        log.ReadData(0, long.MaxValue, (row, data) => text.Append(Encoding.UTF8.GetString(data)));
        return text.ToString();
    }

    [Fact]
    public async Task Should_leave_nothing_personal_in_decisions_deliveries_channels_sessions_and_the_event_log()
    {
        var watch = new BatchWatch("erase-me", "keep-me", "anon-of-erase-me");
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddCx(
                new ConfigurationBuilder()
                    .AddInMemoryCollection(new Dictionary<string, string?> { ["Cx:Storage:Sqlite:Path"] = Path.Combine(_folder, "cx.db") })
                    .Build()
            )
            .AddSingleton<IEventBatchObserver>(watch)
            .BuildServiceProvider();
        var ct = CancellationToken.None;
        foreach (var initializer in services.GetServices<IHostedService>().Where(h => h is CxInitializer or EventsInitializer))
        {
            await initializer.StartAsync(CancellationToken.None);
        }
        var entries = services.GetRequiredService<EntryService>();
        var store = services.GetRequiredService<IDocumentStore>();
        foreach (var id in (string[])["erase-me", "keep-me"])
        {
            await entries.CreateAsync(
                "customer",
                new JsonObject
                {
                    ["id"] = id,
                    ["email"] = id + "@example.com",
                    ["name"] = "Name " + id,
                },
                ct,
                WriteActor.System
            );
        }

        // The raw event log: the customer's events (one with a personal property), an anonymous id identified
        // as them, and the other customer's event. Processed, so the analytics has applied them.
        var stream = services.GetRequiredService<IEventStream>();
        var log = services.GetRequiredService<SqliteEventLog>();
        await stream.AppendAsync(
            [
                Event("e1", "erase-me", null, $$"""{"note":"{{Secret}}"}"""),
                Event("e2", null, "anon-of-erase-me", """{"path":"/cart"}"""),
                Event("e3", "keep-me", null, """{"note":"kept"}"""),
            ],
            ct
        );
        await DrainAsync(services, watch);
        await services
            .GetRequiredService<IIdentityLinkStore>()
            .LinkAsync("anon-of-erase-me", "erase-me", 10, TimeProvider.System.GetUtcNow(), ct);

        // Realtime: the customer's channel, a ticket channel that names them, one that does not; two device sessions.
        var channels = services.GetRequiredService<IChannelLog>();
        var now = TimeProvider.System.GetUtcNow();
        var published = await channels.AppendAsync(
            [
                new(
                    "customer:erase-me",
                    "p1",
                    now,
                    Encoding.UTF8.GetBytes($$$"""{"kind":"upsert","id":"erase-me","data":{"email":"erase-me@example.com"}}""")
                ),
                new(
                    "ticket:t-1",
                    "p2",
                    now,
                    Encoding.UTF8.GetBytes(
                        $$$"""{"kind":"upsert","id":"t-1","data":{"customer":"erase-me","description":"{{{Secret}}}"}}"""
                    )
                ),
                new("ticket:t-1", "p3", now, Encoding.UTF8.GetBytes("""{"kind":"upsert","id":"t-1","data":{"status":"open"}}""")),
                new("ticket:t-2", "p4", now, Encoding.UTF8.GetBytes("""{"kind":"upsert","id":"t-2","data":{"customer":"keep-me"}}""")),
            ],
            ct
        );
        var sessions = services.GetRequiredService<IDeviceSessionStore>();
        var expires = now.AddHours(1);
        await sessions.CreateAsync(
            new("s-erase", "customer:erase-me", Encoding.UTF8.GetBytes($$"""{"cart":"{{Secret}}"}"""), 1, expires),
            ct
        );
        await sessions.CreateAsync(new("s-keep", "customer:keep-me", Encoding.UTF8.GetBytes("""{"cart":"kept"}"""), 1, expires), ct);
        await channels.AppendAsync(
            [new("session:s-erase", "p5", now, Encoding.UTF8.GetBytes($$$"""{"kind":"session","state":{"cart":"{{{Secret}}}"}}"""))],
            ct
        );

        // The decision log and a webhook delivery of each customer.
        foreach (
            var (decision, customer, anonymous) in new[]
            {
                ("d-1", "erase-me", (string?)null),
                ("d-2", null, "anon-of-erase-me"),
                ("d-3", "keep-me", null),
            }
        )
        {
            var json = new JsonObject
            {
                ["id"] = decision,
                ["type"] = PersonalizationDocuments.DecisionLog,
                ["at"] = Instants.Format(now),
                ["customerId"] = customer,
                ["anonymousId"] = anonymous,
            };
            await store.CreateAsync(
                Containers.Definitions,
                new DocumentWrite(
                    decision,
                    PersonalizationDocuments.DecisionLog,
                    PersonalizationDocuments.DecisionLog,
                    Encoding.UTF8.GetBytes(json.ToJsonString())
                ),
                ct
            );
        }
        var deliveries = new WebhookDeliveryLog(store);
        foreach (var (delivery, customer) in new[] { ("w-1", "erase-me"), ("w-2", "keep-me") })
        {
            var payload = $$$"""{"type":"customer.updated","data":{"id":"{{{customer}}}","email":"{{{customer}}}@example.com"}}""";
            await deliveries.RecordAttemptAsync(
                "sub-1",
                delivery,
                new WebhookMessage("wh-1", "customer.updated", payload),
                1,
                now,
                null,
                null,
                "succeeded",
                null,
                ct
            );
        }

        // Before: each store does hold the customer's data (so the checks below can fail).
        Assert.Contains(Secret, LogText(log), StringComparison.Ordinal);
        Assert.Contains("erase-me", LogText(log), StringComparison.Ordinal);
        Assert.Single((await services.GetRequiredService<DecisionLog>().ListAsync("erase-me", 10, null, ct)).Items);

        var proof = await services.GetRequiredService<PrivacyErasureService>().EraseAsync("erase-me", ct);

        var steps = proof.Steps.ToDictionary(s => s.Store);
        Assert.Equal(("deleted", 2), (steps["decision-log"].Action, steps["decision-log"].Count));
        Assert.Equal(("payloads-erased", 1), (steps["webhook-deliveries"].Action, steps["webhook-deliveries"].Count));
        Assert.Equal(("erased", 2), (steps[ErasureStores.RealtimeChannels].Action, steps[ErasureStores.RealtimeChannels].Count));
        Assert.Equal(("deleted", 1), (steps[ErasureStores.DeviceSessions].Action, steps[ErasureStores.DeviceSessions].Count));
        Assert.Equal(("pseudonymized", 1), (steps[ErasureStores.EventLog].Action, steps[ErasureStores.EventLog].Count));

        // The event log: no id, no anonymous id, no personal property; the pseudonyms are the analytics' ones; the other customer stays.
        var logText = LogText(log);
        Assert.DoesNotContain("erase-me", logText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, logText, StringComparison.Ordinal);
        Assert.Contains($"\"cid\":\"{proof.Pseudonym}\"", logText, StringComparison.Ordinal);
        Assert.Contains($"\"aid\":\"{proof.Pseudonym}-1\"", logText, StringComparison.Ordinal);
        Assert.Contains("\"note\":\"kept\"", logText, StringComparison.Ordinal);

        // The decision log: the customer's and their anonymous id's decisions are gone, the other's stays.
        var decisions = await services.GetRequiredService<DecisionLog>().ListAsync(null, 10, null, ct);
        Assert.Equal(["d-3"], decisions.Items.Select(d => d.Id));

        // Webhook deliveries: the payload is erased, the other customer's is not.
        var erased = Encoding.UTF8.GetString((await deliveries.ReadAsync("sub-1", "w-1", ct))!.Json.Span);
        Assert.DoesNotContain("erase-me", erased, StringComparison.Ordinal);
        Assert.Equal(PrivacyErasureService.ErasedPayload, JsonNode.Parse(erased)!["payload"]!.GetValue<string>());
        Assert.Contains(
            "keep-me@example.com",
            Encoding.UTF8.GetString((await deliveries.ReadAsync("sub-1", "w-2", ct))!.Json.Span),
            StringComparison.Ordinal
        );

        // Realtime: the customer's channel and their session's channel are gone; the ticket channel keeps its offsets.
        var retained = now.AddHours(-1);
        foreach (var channel in (string[])["customer:erase-me", "session:s-erase"])
        {
            var replay = await channels.ReadSinceAsync(channel, new ChannelPosition(published[0].Epoch, 0), retained, 100, ct);
            Assert.Empty(replay.Publications);
            Assert.Equal(0, replay.Head.Offset);
        }
        var ticket = await channels.ReadSinceAsync("ticket:t-1", new ChannelPosition(published[1].Epoch, 0), retained, 100, ct);
        Assert.Equal([1L, 2L], ticket.Publications.Select(p => p.Offset));
        Assert.Equal("""{"kind":"erased"}""", Encoding.UTF8.GetString(ticket.Publications[0].Body.Span));
        Assert.Contains("open", Encoding.UTF8.GetString(ticket.Publications[1].Body.Span), StringComparison.Ordinal);
        var other = await channels.ReadSinceAsync("ticket:t-2", new ChannelPosition(published[3].Epoch, 0), retained, 100, ct);
        Assert.Contains("keep-me", Encoding.UTF8.GetString(Assert.Single(other.Publications).Body.Span), StringComparison.Ordinal);
        Assert.Null(await sessions.GetAsync("s-erase", ct));
        Assert.NotNull(await sessions.GetAsync("s-keep", ct));
    }
}
