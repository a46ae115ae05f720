using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Benchmarks.Load;
using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;
using Cx.Core.Segments;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks;

/// <summary>
/// Segment load runs (see docs/benchmarks.md, "Segments"):
/// <list type="bullet">
/// <item><c>segments-recompute</c>: in process on the embedded adapters, seeds customers and their
/// purchases, then times a full recompute of one segment over every customer (the job, then the
/// projection of the membership documents and events by the hook).</item>
/// <item><c>segments-latency</c>: against a running DevHost, how long after a purchase is accepted
/// the customer's profile shows the segment it qualifies for.</item>
/// </list>
/// </summary>
public static class SegmentLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        return args[0] switch
        {
            "segments-recompute" => await RecomputeAsync(options),
            "segments-latency" => await LatencyAsync(options),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: segments-recompute [--customers N] [--data DIR] [--rule spend|tier] [--threshold AMOUNT] | segments-latency --url URL --token TOKEN [--customers N] [--rate PER_S]"
        );
        return 2;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    // ------------------------------------------------------------------ recompute, in process

    private static async Task<int> RecomputeAsync(Dictionary<string, string> options)
    {
        var customers = Int(options, "customers", 100_000);
        var data =
            options.GetValueOrDefault("data") ?? Path.Combine(Path.GetTempPath(), "cx-bench-segments-" + Guid.NewGuid().ToString("n")[..8]);
        var rule = options.GetValueOrDefault("rule") ?? "spend";
        var threshold = Int(options, "threshold", 500);
        Directory.CreateDirectory(data);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["Cx:Storage:Sqlite:Path"] = Path.Combine(data, "cx.db") }
        );
        builder.Services.AddCx(builder.Configuration);
        using var host = builder.Build();
        // Storage and event types only: the background loops stay off, so each phase is timed alone.
        foreach (var service in host.Services.GetServices<IHostedService>().Where(s => s is CxInitializer or EventsInitializer))
        {
            await service.StartAsync(CancellationToken.None);
        }
        var services = host.Services;
        var dispatcher = services.GetRequiredService<ChangeDispatcher>();
        var now = TimeProvider.System.GetUtcNow();
        Console.WriteLine($"segments-recompute: {customers:N0} customers, rule '{rule}', data in {data}");

        var seeded = await services
            .GetRequiredService<Cx.Core.Documents.IDocumentStore>()
            .CountAsync(Cx.Core.Documents.Containers.Customers, CustomerProfile.TypeKey, null, CancellationToken.None);
        if (seeded < customers)
        {
            var clock = Stopwatch.StartNew();
            var facts = await SeedAsync(services, customers, now);
            Console.WriteLine($"seeded {customers:N0} profiles and {facts:N0} events in {clock.Elapsed.TotalSeconds:N1} s");
            clock.Restart();
            await DispatchUntilQuietAsync(dispatcher);
            Console.WriteLine($"hook caught up with the seeding (no segments yet) in {clock.Elapsed.TotalSeconds:N1} s");
        }

        var criteria = rule switch
        {
            "tier" => """{"field":"loyaltyTier","op":"in","value":["gold","platinum"]}""",
            _ =>
                $$"""{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":{{threshold}}} }""",
        };
        var key = "bench-" + rule + "-" + Guid.NewGuid().ToString("n")[..6];
        var segments = services.GetRequiredService<SegmentService>();
        var jobs = services.GetRequiredService<SegmentJobs>();
        await segments.CreateAsync(
            new SegmentDefinition
            {
                Key = key,
                Name = key,
                Criteria = JsonLiteral.From(JsonDocument.Parse(criteria).RootElement),
            },
            CancellationToken.None
        );

        var job = Stopwatch.StartNew();
        await jobs.RunPendingAsync(CancellationToken.None);
        var jobTime = job.Elapsed;
        var result = (await jobs.GetAsync(key, CancellationToken.None))!.Definition;
        Console.WriteLine(
            $"recompute job: {result.State}, {result.Processed:N0} customers, {result.Matched:N0} matched, {result.Entered:N0} entered, "
                + $"{jobTime.TotalSeconds:N2} s ({result.Processed / jobTime.TotalSeconds:N0} customers/s)"
        );

        var projection = Stopwatch.StartNew();
        var delivered = await DispatchUntilQuietAsync(dispatcher);
        Console.WriteLine(
            $"hook projected the membership writes ({delivered:N0} profile changes) in {projection.Elapsed.TotalSeconds:N2} s; "
                + $"total {(jobTime + projection.Elapsed).TotalSeconds:N2} s"
        );
        var members = await segments.ListMembersAsync(key, 1, null, CancellationToken.None);
        Console.WriteLine($"member list starts with {(members.Items.Count > 0 ? members.Items[0].Id : "(empty)")}");

        // The same recompute again: every customer evaluated, nobody enters or leaves (the cost of evaluation alone).
        await segments.StartRecomputeAsync(key, CancellationToken.None);
        var again = Stopwatch.StartNew();
        await jobs.RunPendingAsync(CancellationToken.None);
        var second = (await jobs.GetAsync(key, CancellationToken.None))!.Definition;
        Console.WriteLine(
            $"recompute again (no change): {second.Processed:N0} customers, {second.Entered + second.Exited:N0} transitions, "
                + $"{again.Elapsed.TotalSeconds:N2} s ({second.Processed / again.Elapsed.TotalSeconds:N0} customers/s)"
        );
        return result.State == SegmentJobState.Completed && second.State == SegmentJobState.Completed ? 0 : 1;
    }

    private static async Task<int> DispatchUntilQuietAsync(ChangeDispatcher dispatcher)
    {
        var total = 0;
        int delivered;
        while ((delivered = await dispatcher.DispatchAsync(CancellationToken.None)) > 0)
        {
            total += delivered;
        }
        return total;
    }

    /// <summary>
    /// Profiles through the entry service (validation, unique e-mails), and per customer 0-5
    /// purchases over the last 120 days (so some fall outside a 90-day window) plus page views.
    /// </summary>
    private static async Task<long> SeedAsync(IServiceProvider services, int customers, DateTimeOffset now)
    {
        var entries = services.GetRequiredService<EntryService>();
        string[] tiers = ["none", "bronze", "silver", "gold", "platinum"];
        var writers = Enumerable
            .Range(0, 4)
            .Select(w =>
                Task.Run(async () =>
                {
                    for (var i = w; i < customers; i += 4)
                    {
                        var id = Id(i);
                        await entries.CreateAsync(
                            CustomerProfile.TypeKey,
                            JsonNode
                                .Parse($$"""{"id":"{{id}}","email":"{{id}}@example.com","loyaltyTier":"{{tiers[i % 5]}}"}""")!
                                .AsObject(),
                            CancellationToken.None
                        );
                    }
                })
            );
        await Task.WhenAll(writers);

        var analytics = services.GetRequiredService<IAnalyticsStore>();
        var types = await services.GetRequiredService<EventTypeRegistry>().GetAllAsync(CancellationToken.None);
        var batch = new List<EventFact>(10_000);
        long position = 0,
            total = 0;
        for (var i = 0; i < customers; i++)
        {
            var purchases = (i * 7) % 6;
            for (var p = 0; p < purchases; p++)
            {
                var at = now.AddHours(-((i * 31 + p * 577) % (120 * 24)));
                var amount = 40 + ((i * 13 + p * 71) % 260);
                batch.Add(
                    Fact(
                        new TrackedEvent
                        {
                            Id = $"o{i}-{p}",
                            Type = "purchase",
                            CustomerId = Id(i),
                            Timestamp = at,
                            ReceivedAt = now,
                            Properties = Encoding.UTF8.GetBytes(
                                $$"""{"amount":{{amount}},"currency":"EUR","category":"cat-{{(i + p) % 20}}"}"""
                            ),
                        },
                        types
                    )
                );
            }
            for (var v = 0; v < 3; v++)
            {
                batch.Add(
                    Fact(
                        new TrackedEvent
                        {
                            Id = $"v{i}-{v}",
                            Type = "page_view",
                            CustomerId = Id(i),
                            Timestamp = now.AddHours(-((i + v * 97) % (30 * 24))),
                            ReceivedAt = now,
                            Properties = Encoding.UTF8.GetBytes($$"""{"category":"cat-{{(i * 3 + v) % 20}}"}"""),
                        },
                        types
                    )
                );
            }
            if (batch.Count >= 10_000 || i == customers - 1)
            {
                total += (
                    await analytics.ApplyAsync(new AnalyticsBatch(batch, new StreamCheckpoint("seed", ++position)), CancellationToken.None)
                ).Applied;
                batch = new List<EventFact>(10_000);
            }
        }
        return total;

        static EventFact Fact(TrackedEvent e, IReadOnlyDictionary<string, EventTypeDefinition> types) =>
            EventBatchProcessor.ToFact(e, types.GetValueOrDefault(e.Type));
    }

    private static string Id(int i) => "cust-" + i.ToString("D6", CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ event-to-membership latency, over HTTP

    private static async Task<int> LatencyAsync(Dictionary<string, string> options)
    {
        var url = options.GetValueOrDefault("url") ?? throw new InvalidOperationException("--url is required.");
        var token =
            options.GetValueOrDefault("token") ?? throw new InvalidOperationException("--token is required (DevHost token --role admin).");
        var customers = Int(options, "customers", 200);
        var rate = Int(options, "rate", 20);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 })
        {
            BaseAddress = new Uri(url.TrimEnd('/') + "/api/v1/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var run = Guid.NewGuid().ToString("n")[..6];
        var key = "bench-spend-" + run;
        (
            await client.PostAsync(
                "segments",
                Json(
                    $$"""{"key":"{{key}}","name":"Benchmark big spenders","criteria":{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500} } }"""
                )
            )
        ).EnsureSuccessStatusCode();
        var ids = new List<string>();
        for (var i = 0; i < customers; i++)
        {
            var id = $"lat-{run}-{i:D5}";
            (await client.PostAsync("customers", Json($$"""{"id":"{{id}}","email":"{{id}}@example.com"}"""))).EnsureSuccessStatusCode();
            ids.Add(id);
        }
        // Let the segment's first recompute and the hook's evaluation of the new profiles finish.
        while ((await client.GetFromJsonAsync<JsonObject>($"segments/{key}/recompute"))!["state"]!.GetValue<string>() != "completed")
        {
            await Task.Delay(50);
        }
        await Task.Delay(1000);
        Console.WriteLine($"segments-latency: {customers} customers, one purchase of 600 each at {rate}/s, segment {key}");

        var decided = new LatencyRecorder();
        var visible = new LatencyRecorder();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var started = Stopwatch.StartNew();
        var waits = new List<Task>();
        for (var i = 0; i < ids.Count; i++)
        {
            var due = interval * i;
            if (started.Elapsed < due)
            {
                await Task.Delay(due - started.Elapsed);
            }
            var id = ids[i];
            var sentAt = TimeProvider.System.GetUtcNow();
            var sent = Stopwatch.GetTimestamp();
            var response = await client.PostAsync(
                "events",
                Json($$"""{"type":"purchase","customerId":"{{id}}","eventId":"bench-{{run}}","properties":{"amount":600} }""")
            );
            response.EnsureSuccessStatusCode();
            waits.Add(WaitForMembershipAsync(client, id, key, sentAt, sent, decided, visible));
        }
        await Task.WhenAll(waits);
        var elapsed = started.Elapsed;
        Console.WriteLine(LatencySummary.Header);
        Console.WriteLine(decided.Summarise(elapsed).Row("purchase accepted -> membership decided (since - sent)", 1));
        Console.WriteLine(visible.Summarise(elapsed).Row("purchase accepted -> profile API shows it (polled every 10 ms)", 1));
        return 0;
    }

    private static async Task WaitForMembershipAsync(
        HttpClient client,
        string id,
        string key,
        DateTimeOffset sentAt,
        long sent,
        LatencyRecorder decided,
        LatencyRecorder visible
    )
    {
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 30);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var profile = await client.GetFromJsonAsync<JsonObject>($"customers/{id}");
            var entry = (profile!["segmentMembership"] as JsonArray)?.FirstOrDefault(e => e!["segment"]!.GetValue<string>() == key);
            if (entry is not null)
            {
                visible.Record(Stopwatch.GetTimestamp() - sent);
                var since = DateTimeOffset.Parse(entry["since"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                decided.Record((long)((since - sentAt).TotalSeconds * Stopwatch.Frequency));
                return;
            }
            await Task.Delay(10);
        }
        decided.Error();
        visible.Error();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
