using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks;

/// <summary>
/// Event ingestion load runs (see docs/benchmarks.md, "Events"):
/// <list type="bullet">
/// <item><c>events-stream</c>: the embedded stream port alone, in process: append events
/// (500 per append, several appenders) and wait until the batch processor has applied them.</item>
/// <item><c>events-http</c>: batches of 500 through <c>POST /api/v1/events</c> of a running DevHost
/// after a warm-up, as fast as accepted or offered at a fixed rate, with the stream lag sampled
/// meanwhile, then the processing rate until the lag is 0.</item>
/// <item><c>events-latency</c>: single-event POST latency (p50/p95/p99) while a background
/// batch load keeps the batcher busy.</item>
/// <item><c>events-funnel</c>: a three-step funnel (Cx.Core's <see cref="FunnelService"/>) over
/// the occurrence blocks of the <c>events-stream</c> data, in process.</item>
/// <item><c>events-funnel-http</c>: the same funnel through <c>POST /api/v1/analytics/funnels</c>
/// of a DevHost running on that data (run-funnel-load.sh), p50/p95/p99 over sequential calls.</item>
/// </list>
/// </summary>
public static class EventLoad
{
    private static readonly string[] Types = ["page_view", "add_to_cart", "purchase"];

    /// <summary>The bearer token of the HTTP runs (<c>--token</c>, from <c>Cx.DevHost token --role admin</c>).</summary>
    private static string? _token;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        _token = options.GetValueOrDefault("token");
        return args[0] switch
        {
            "events-stream" => await StreamAsync(options),
            "events-http" => await HttpAsync(options),
            "events-latency" => await LatencyAsync(options),
            "events-funnel" => await FunnelAsync(options),
            "events-funnel-http" => await FunnelHttpAsync(options),
            "events-bulk" => await BulkAsync(options),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine(
            "usage: events-stream [--events N] [--appenders N] [--data DIR] | events-http --url URL --token T [--seconds N] [--concurrency N] [--warmup S] [--rate EVENTS_PER_S] "
                + "| events-latency --url URL --token T [--seconds N] [--background-rate EVENTS_PER_S] | events-funnel --data DIR [--runs N] "
                + "| events-funnel-http --url URL --token TOKEN [--runs N]"
        );
        return 2;
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        return options;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    // ------------------------------------------------------------------ stream port alone

    private static async Task<IHost> StartHostAsync(string data)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Cx:Storage:Sqlite:Path"] = Path.Combine(data, "cx.db"),
                ["Cx:Analytics:ArchiveMaxAgeSeconds"] = "3600",
                ["Cx:Analytics:ArchiveMaxEvents"] = "10000000",
            }
        );
        builder.Services.AddCx(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<int> StreamAsync(Dictionary<string, string> options)
    {
        var total = Int(options, "events", 1_000_000);
        var appenders = Int(options, "appenders", 4);
        var data = options.GetValueOrDefault("data") ?? Path.Combine(Path.GetTempPath(), "cx-bench-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);
        using var host = await StartHostAsync(data);
        var stream = host.Services.GetRequiredService<IEventStream>();
        var start = TimeProvider.System.GetUtcNow();
        var batches = Enumerable.Range(0, total / 500).Select(b => Generate(b, 500, start)).ToList();
        Console.WriteLine($"events-stream: {total:N0} events, {appenders} appenders, data in {data}");

        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(
            Enumerable
                .Range(0, appenders)
                .Select(_ =>
                    Task.Run(async () =>
                    {
                        int index;
                        while ((index = Interlocked.Increment(ref next)) < batches.Count)
                        {
                            await stream.AppendAsync(batches[index], CancellationToken.None);
                            batches[index] = []; // the load generator's copy is not the processor's to keep alive
                        }
                    })
                )
        );
        var appended = clock.Elapsed;
        await WaitForLagZeroAsync(() => stream.GetStatusAsync(CancellationToken.None).AsTask());
        var processed = clock.Elapsed;
        Console.WriteLine($"accepted (durable in the log): {total / appended.TotalSeconds:N0} events/s ({appended.TotalSeconds:N2} s)");
        Console.WriteLine(
            $"processed (applied to the analytics store): {total / processed.TotalSeconds:N0} events/s ({processed.TotalSeconds:N2} s)"
        );
        await host.StopAsync();
        return 0;
    }

    /// <summary>Synthetic traffic: 100,000 customers, half of the events anonymous; page views, carts and purchases.</summary>
    private static List<TrackedEvent> Generate(int batch, int size, DateTimeOffset now)
    {
        var events = new List<TrackedEvent>(size);
        for (var i = 0; i < size; i++)
        {
            var n = (batch * size) + i;
            var customer = (n * 7919) % 100_000;
            // A subject recurs every 100,000 events; shifting by n / 100,000 gives it every type over time.
            var step = (n + (n / 100_000)) % 10;
            var type = Types[
                step < 7 ? 0
                : step < 9 ? 1
                : 2
            ];
            events.Add(
                new TrackedEvent
                {
                    Id = "b" + n.ToString(CultureInfo.InvariantCulture),
                    Type = type,
                    CustomerId = n % 2 == 0 ? "cust-" + customer.ToString(CultureInfo.InvariantCulture) : null,
                    AnonymousId = n % 2 == 0 ? null : "anon-" + customer.ToString(CultureInfo.InvariantCulture),
                    // Increasing with n (0.1 ms apart, ending now), one in 50 a late event from the last day.
                    Timestamp = n % 50 == 0 ? now.AddSeconds(-(n % 86_400)) : now.AddMilliseconds(-(1_000_000 - n) / 10.0),
                    ReceivedAt = now,
                    Page = "/products/" + (n % 500).ToString(CultureInfo.InvariantCulture),
                    Properties = Encoding.UTF8.GetBytes(
                        type == "purchase"
                            ? $"{{\"amount\":{(n % 200) + 0.99m},\"currency\":\"EUR\",\"category\":\"cat-{n % 20}\"}}"
                            : $"{{\"category\":\"cat-{n % 20}\",\"productId\":\"p{n % 500}\"}}"
                    ),
                }
            );
        }
        return events;
    }

    private static async Task WaitForLagZeroAsync(Func<Task<StreamStatus>> status)
    {
        while (true)
        {
            var current = await status();
            if (current.Lag == 0 && current.Processed == current.Appended)
            {
                return;
            }
            await Task.Delay(20);
        }
    }

    // ------------------------------------------------------------------ HTTP

    private static HttpClient Client(string url, int connections)
    {
        var client = new HttpClient(
            new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }
        )
        {
            BaseAddress = new Uri(url.TrimEnd('/') + "/api/v1/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (_token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _token);
        }
        return client;
    }

    private static byte[] BatchBody(int batch, int size)
    {
        var events = new JsonArray();
        for (var i = 0; i < size; i++)
        {
            var n = (batch * size) + i;
            var customer = (n * 7919) % 100_000;
            // A subject recurs every 100,000 events; shifting by n / 100,000 gives it every type over time.
            var step = (n + (n / 100_000)) % 10;
            var type = Types[
                step < 7 ? 0
                : step < 9 ? 1
                : 2
            ];
            var e = new JsonObject
            {
                ["type"] = type,
                [n % 2 == 0 ? "customerId" : "anonymousId"] =
                    (n % 2 == 0 ? "cust-" : "anon-") + customer.ToString(CultureInfo.InvariantCulture),
                ["page"] = "/products/" + (n % 500).ToString(CultureInfo.InvariantCulture),
                ["properties"] =
                    type == "purchase"
                        ? new JsonObject
                        {
                            ["amount"] = (n % 200) + 0.99m,
                            ["currency"] = "EUR",
                            ["category"] = "cat-" + (n % 20).ToString(CultureInfo.InvariantCulture),
                        }
                        : new JsonObject
                        {
                            ["category"] = "cat-" + (n % 20).ToString(CultureInfo.InvariantCulture),
                            ["productId"] = "p" + (n % 500).ToString(CultureInfo.InvariantCulture),
                        },
            };
            events.Add(e);
        }
        return Encoding.UTF8.GetBytes(new JsonObject { ["events"] = events }.ToJsonString());
    }

    private static async Task<long> PostBatchesAsync(
        HttpClient client,
        IReadOnlyList<byte[]> bodies,
        int size,
        TimeSpan duration,
        int concurrency,
        int? eventsPerSecond
    )
    {
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(
            Enumerable
                .Range(0, concurrency)
                .Select(_ =>
                    Task.Run(async () =>
                    {
                        while (clock.Elapsed < duration)
                        {
                            if (eventsPerSecond is { } rate && Interlocked.Read(ref accepted) > rate * clock.Elapsed.TotalSeconds)
                            {
                                await Task.Delay(5);
                                continue;
                            }
                            var body = bodies[Interlocked.Increment(ref next) % bodies.Count];
                            using var content = new ByteArrayContent(body);
                            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                            using var response = await client.PostAsync("events", content);
                            if (response.StatusCode != HttpStatusCode.Accepted)
                            {
                                throw new InvalidOperationException($"POST /events answered {(int)response.StatusCode}");
                            }
                            Interlocked.Add(ref accepted, size);
                        }
                    })
                )
        );
        return accepted;
    }

    private static async Task<int> HttpAsync(Dictionary<string, string> options)
    {
        var url = options.GetValueOrDefault("url") ?? "http://127.0.0.1:7103";
        var seconds = Int(options, "seconds", 20);
        var concurrency = Int(options, "concurrency", 8);
        var warmup = Int(options, "warmup", 10);
        int? rate = options.ContainsKey("rate") ? Int(options, "rate", 0) : null;
        const int size = 500;
        using var client = Client(url, concurrency);
        var bodies = Enumerable.Range(0, 200).Select(b => BatchBody(b, size)).ToList();
        Console.WriteLine(
            $"events-http: {url}, batches of {size}, {concurrency} concurrent, {warmup} s warm-up, then {seconds} s "
                + (rate is { } r ? $"offered at {r:N0} events/s" : "as fast as accepted")
                + " (no client event ids: every event is distinct)"
        );
        async Task<StreamStatus> StatusAsync() => Status((await client.GetFromJsonObjectAsync("events/status"))!);
        if (warmup > 0)
        {
            // The same traffic until the JIT has tiered the hot paths up, then until the processor has caught up.
            await PostBatchesAsync(client, bodies, size, TimeSpan.FromSeconds(warmup), concurrency, rate);
            await WaitForLagZeroAsync(StatusAsync);
        }
        var clock = Stopwatch.StartNew();
        var load = PostBatchesAsync(client, bodies, size, TimeSpan.FromSeconds(seconds), concurrency, rate);
        using var stopSampling = new CancellationTokenSource();
        var sampler = MaxLagAsync(StatusAsync, stopSampling.Token);
        var accepted = await load;
        var acceptedTime = clock.Elapsed;
        await stopSampling.CancelAsync();
        var maxLag = await sampler;
        var lagAtEnd = (await StatusAsync()).Lag;
        await WaitForLagZeroAsync(StatusAsync);
        var processedTime = clock.Elapsed;
        Console.WriteLine(
            $"accepted (202, durable): {accepted / acceptedTime.TotalSeconds:N0} events/s ({accepted:N0} events in {acceptedTime.TotalSeconds:N2} s)"
        );
        Console.WriteLine(
            $"processed (lag back to 0): {accepted / processedTime.TotalSeconds:N0} events/s ({processedTime.TotalSeconds:N2} s); "
                + $"lag sampled every 0.5 s: max {maxLag:N0}, {lagAtEnd:N0} when the load stopped, drained {(processedTime - acceptedTime).TotalSeconds:N2} s later"
        );
        return 0;
    }

    /// <summary>The largest stream lag seen, sampled every 0.5 s until <paramref name="stop"/> is cancelled.</summary>
    private static async Task<long> MaxLagAsync(Func<Task<StreamStatus>> status, CancellationToken stop)
    {
        long max = 0;
        using var sampling = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (await sampling.WaitForNextTickAsync(stop))
            {
                max = Math.Max(max, (await status()).Lag);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        return max;
    }

    private static StreamStatus Status(JsonObject json) =>
        new(
            json["provider"]!.GetValue<string>(),
            json["appended"]!.GetValue<long>(),
            json["processed"]!.GetValue<long>(),
            json["lag"]!.GetValue<long>()
        );

    private static async Task<JsonObject?> GetFromJsonObjectAsync(this HttpClient client, string path) =>
        JsonNode.Parse(await client.GetStringAsync(path))?.AsObject();

    private static async Task<int> LatencyAsync(Dictionary<string, string> options)
    {
        var url = options.GetValueOrDefault("url") ?? "http://127.0.0.1:7103";
        var seconds = Int(options, "seconds", 20);
        var rate = Int(options, "background-rate", 10_000);
        using var background = Client(url, 4);
        using var single = Client(url, 1);
        var bodies = Enumerable.Range(0, 100).Select(b => BatchBody(1000 + b, 500)).ToList();
        Console.WriteLine($"events-latency: {url}, {seconds} s of sequential single-event POSTs while batches add {rate:N0} events/s");
        for (var i = 0; i < 200; i++)
        {
            await PostSingleAsync(single, i); // warm-up
        }
        var duration = TimeSpan.FromSeconds(seconds);
        var load = rate > 0 ? PostBatchesAsync(background, bodies, 500, duration, 4, rate) : Task.FromResult(0L);
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await PostSingleAsync(single, 10_000 + i);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        var backgroundEvents = await load;
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))];
        Console.WriteLine(
            $"single-event POST: n={samples.Count:N0} p50={P(0.50):N2} ms p95={P(0.95):N2} ms p99={P(0.99):N2} ms max={samples[^1]:N2} ms; background {backgroundEvents / seconds:N0} events/s"
        );
        return 0;
    }

    private static async Task PostSingleAsync(HttpClient client, int n)
    {
        using var content = new StringContent(
            $$$"""{"type":"cta_click","anonymousId":"latency-{{{n % 1000}}}","eventId":"l{{{n}}}","properties":{"cta":"buy"}}""",
            Encoding.UTF8,
            "application/json"
        );
        using var response = await client.PostAsync("events", content);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /events answered {(int)response.StatusCode}");
        }
    }

    // ------------------------------------------------------------------ segment recompute read path

    private static async Task<int> BulkAsync(Dictionary<string, string> options)
    {
        var data =
            options.GetValueOrDefault("data")
            ?? throw new InvalidOperationException("--data DIR (the folder of an events-stream run) is required.");
        var customers = Int(options, "customers", 100_000);
        using var host = await StartHostAsync(data);
        var store = host.Services.GetRequiredService<IBehaviorStore>();
        var ids = Enumerable.Range(0, customers).Select(i => "cust-" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var queries = new[]
        {
            new BehaviorQuery("purchase", BehaviorAggregate.Sum, "amount", TimeSpan.FromDays(90)),
            new BehaviorQuery("page_view", BehaviorAggregate.Count, null, TimeSpan.FromDays(7)),
            new BehaviorQuery("add_to_cart", BehaviorAggregate.Distinct, "category", TimeSpan.FromDays(7)),
        };
        foreach (var query in queries)
        {
            var clock = Stopwatch.StartNew();
            var results = await store.AggregateManyAsync(ids, query, TimeProvider.System.GetUtcNow(), CancellationToken.None);
            Console.WriteLine(
                $"bulk {query.Aggregate} {query.EventType} over {ids.Count:N0} customers: {results.Values.Count(r => r.Count > 0):N0} with events, {clock.Elapsed.TotalMilliseconds:N0} ms"
            );
        }
        await host.StopAsync();
        return 0;
    }

    // ------------------------------------------------------------------ funnel read path

    /// <summary>The three-step funnel both funnel commands run: Cx.Core's FunnelService, window one day.</summary>
    private static FunnelQuery Funnel(DateTimeOffset to) =>
        new([.. Types.Select(t => FunnelStep.Of(t))], TimeSpan.FromDays(1), to.AddDays(-2), to);

    private static async Task<int> FunnelAsync(Dictionary<string, string> options)
    {
        var data =
            options.GetValueOrDefault("data")
            ?? throw new InvalidOperationException("--data DIR (the folder of an events-stream run) is required.");
        using var host = await StartHostAsync(data);
        var funnels = host.Services.GetRequiredService<FunnelService>();
        var query = Funnel(TimeProvider.System.GetUtcNow().AddMinutes(1));
        for (var run = 0; run < Int(options, "runs", 5); run++)
        {
            var clock = Stopwatch.StartNew();
            var result = await funnels.RunAsync(query, CancellationToken.None);
            Console.WriteLine(
                $"funnel {string.Join(" > ", Types)}: {string.Join(" > ", result.Steps.Select(s => s.Count.ToString("N0", CultureInfo.InvariantCulture)))} subjects "
                    + $"in {clock.Elapsed.TotalMilliseconds:N0} ms (in process, FunnelService)"
            );
        }
        await host.StopAsync();
        return 0;
    }

    /// <summary>
    /// <c>POST /api/v1/analytics/funnels</c> of a running DevHost over the data of an events-stream
    /// run: sequential calls (one in flight), latency percentiles after a warm-up.
    /// </summary>
    private static async Task<int> FunnelHttpAsync(Dictionary<string, string> options)
    {
        var url = options.GetValueOrDefault("url") ?? "http://127.0.0.1:7172";
        var token =
            options.GetValueOrDefault("token") ?? throw new InvalidOperationException("--token TOKEN (an admin token) is required.");
        var runs = Int(options, "runs", 50);
        using var client = Client(url, 1);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var query = Funnel(TimeProvider.System.GetUtcNow().AddMinutes(1));
        var body = new JsonObject
        {
            ["steps"] = new JsonArray([.. Types.Select(t => (JsonNode)new JsonObject { ["event"] = t })]),
            ["window"] = "P1D",
            ["from"] = query.From.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = query.To.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        }.ToJsonString();
        async Task<JsonObject> CallAsync()
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("analytics/funnels", content);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"POST /analytics/funnels answered {(int)response.StatusCode}: {text}");
            }
            return JsonNode.Parse(text)!.AsObject();
        }
        JsonObject last = await CallAsync();
        for (var i = 0; i < 4; i++)
        {
            last = await CallAsync(); // warm-up
        }
        var recorder = new Load.LatencyRecorder();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            last = await CallAsync();
            recorder.Record(Stopwatch.GetTimestamp() - started);
        }
        var summary = recorder.Summarise(clock.Elapsed);
        var counts = last["steps"]!.AsArray().Select(s => s!["count"]!.GetValue<long>().ToString("N0", CultureInfo.InvariantCulture));
        Console.WriteLine(
            $"events-funnel-http: {url}, {runs} sequential calls, funnel {string.Join(" > ", Types)} = {string.Join(" > ", counts)} subjects"
        );
        Console.WriteLine(Load.LatencySummary.Header);
        Console.WriteLine(summary.Row("POST /analytics/funnels (3 steps, window P1D, 2 days)", 1));
        return summary.Errors == 0 ? 0 : 1;
    }
}
