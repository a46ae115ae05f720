using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bogus;

namespace Cx.Benchmarks.Load;

/// <summary>
/// The customer API under load, against a running DevHost: seeds N profiles over HTTP (skipping
/// ones already there), then runs closed-loop workers (one request in flight per connection) for
/// read-by-id and a filtered, sorted list, at each connection count.
/// </summary>
public static class CustomerLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadOptions.Parse(args);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler)
        {
            BaseAddress = new Uri(options.Url.TrimEnd('/') + "/api/v1/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);

        (await client.GetAsync("health")).EnsureSuccessStatusCode();
        await SeedAsync(client, options.Customers, options.SeedConnections);

        var random = new Random(42);
        var tiers = new[] { "bronze", "silver", "gold", "platinum" };
        var scenarios = new (string Name, Func<string> Path)[]
        {
            ("read by id", () => $"customers/bench-{random.Next(1, options.Customers + 1):D6}"),
            (
                "filtered list (tier + lastLogin range, sorted, 25 per page)",
                () =>
                    $"customers?filter[loyaltyTier]={tiers[random.Next(tiers.Length)]}&filter[lastLogin][gte]={Since(random)}&sort=-lastLogin&limit=25"
            ),
        };
        // The bare-Kestrel reference (BareKestrel, started by run-customer-load.sh) is measured with
        // the same client right before the API at each connection count, and every API row is
        // reported as a ratio to it: throughput share and p99 multiple.
        using var bareHandler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 64,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        using var bareClient = new HttpClient(bareHandler) { Timeout = TimeSpan.FromSeconds(30) };
        if (options.BareUrl is { } bareUrl)
        {
            bareClient.BaseAddress = new Uri(bareUrl.TrimEnd('/') + "/");
            bareClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
            (await bareClient.GetAsync("bare")).EnsureSuccessStatusCode();
        }
        var results = new StringBuilder();
        var ratios = new StringBuilder();
        results.AppendLine(LatencySummary.Header);
        ratios.AppendLine(RatioHeader);
        foreach (var connections in options.Connections)
        {
            LatencySummary? bare = null;
            if (options.BareUrl is not null)
            {
                await MeasureAsync(bareClient, () => "bare", connections, options.Warmup);
                bare = await MeasureAsync(bareClient, () => "bare", connections, options.Duration);
                var bareRow = bare.Row("bare Kestrel, fixed 500-byte JSON", connections);
                results.AppendLine(bareRow);
                Console.WriteLine(bareRow);
            }
            foreach (var (name, path) in scenarios)
            {
                await MeasureAsync(client, path, connections, options.Warmup);
                var summary = await MeasureAsync(client, path, connections, options.Duration);
                var row = summary.Row(name, connections);
                results.AppendLine(row);
                Console.WriteLine(row);
                if (bare is not null)
                {
                    var ratio = RatioRow(name, connections, summary, bare);
                    ratios.AppendLine(ratio);
                    Console.WriteLine(ratio);
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine(results);
        if (options.BareUrl is not null)
        {
            Console.WriteLine(ratios);
        }
        return 0;
    }

    internal const string RatioHeader = "| scenario | connections | req/s, % of bare | p99, times bare's |\n| --- | --- | --- | --- |";

    /// <summary>One API row against the bare reference of the same connection count.</summary>
    internal static string RatioRow(string scenario, int connections, LatencySummary api, LatencySummary bare) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {scenario} | {connections} | {100 * api.PerSecond / bare.PerSecond:F1} % | {api.P99Ms / bare.P99Ms:F2} x |"
        );

    private static string Since(Random random) =>
        TimeProvider.System.GetUtcNow().AddDays(-random.Next(1, 60)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static async Task<LatencySummary> MeasureAsync(HttpClient client, Func<string> next, int connections, TimeSpan duration)
    {
        var recorder = new LatencyRecorder();
        var gate = new Lock();
        using var stop = new CancellationTokenSource(duration);
        var started = Stopwatch.StartNew();
        var workers = Enumerable
            .Range(0, connections)
            .Select(_ =>
                Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        string path;
                        lock (gate)
                        {
                            path = next();
                        }
                        var begin = Stopwatch.GetTimestamp();
                        try
                        {
                            using var response = await client.GetAsync(
                                path,
                                HttpCompletionOption.ResponseContentRead,
                                CancellationToken.None
                            );
                            if (response.StatusCode != HttpStatusCode.OK)
                            {
                                recorder.Error();
                                continue;
                            }
                        }
                        catch (HttpRequestException)
                        {
                            recorder.Error();
                            continue;
                        }
                        recorder.Record(Stopwatch.GetTimestamp() - begin);
                    }
                })
            )
            .ToList();
        await Task.WhenAll(workers);
        return recorder.Summarise(started.Elapsed);
    }

    internal static async Task SeedAsync(HttpClient client, int customers, int connections)
    {
        var faker = new Faker("en") { Random = new Randomizer(1125) };
        var bodies = new string[customers];
        var now = TimeProvider.System.GetUtcNow();
        string[] tiers = ["none", "bronze", "silver", "gold", "platinum"];
        string[] languages = ["en", "pt-PT", "es", "de", "fr"];
        for (var i = 0; i < customers; i++)
        {
            bodies[i] = new JsonObject
            {
                ["id"] = $"bench-{i + 1:D6}",
                ["email"] = $"bench{i + 1}@example.com",
                ["name"] = faker.Name.FullName(),
                ["lastLogin"] = now.AddMinutes(-faker.Random.Int(1, 60 * 24 * 90)).ToString("O", CultureInfo.InvariantCulture),
                ["loyaltyTier"] = tiers[faker.Random.Int(0, tiers.Length - 1)],
                ["preferences"] = new JsonObject
                {
                    ["language"] = languages[faker.Random.Int(0, languages.Length - 1)],
                    ["newsletter"] = faker.Random.Bool(),
                },
            }.ToJsonString();
        }
        var next = -1;
        var created = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            Enumerable
                .Range(0, connections)
                .Select(_ =>
                    Task.Run(async () =>
                    {
                        int index;
                        while ((index = Interlocked.Increment(ref next)) < customers)
                        {
                            using var content = new StringContent(bodies[index], Encoding.UTF8, "application/json");
                            using var response = await client.PostAsync("customers", content);
                            if (response.StatusCode == HttpStatusCode.Created)
                            {
                                Interlocked.Increment(ref created);
                            }
                            else if (response.StatusCode != HttpStatusCode.Conflict)
                            {
                                throw new InvalidOperationException(
                                    $"Seeding failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"
                                );
                            }
                        }
                    })
                )
        );
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"seeded {customers:N0} customers ({created:N0} new) in {clock.Elapsed.TotalSeconds:F1} s ({created / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0}/s)"
            )
        );
    }
}

public sealed record LoadOptions(
    string Url,
    string Token,
    int Customers,
    int[] Connections,
    TimeSpan Duration,
    TimeSpan Warmup,
    int SeedConnections
)
{
    /// <summary>The bare-Kestrel reference (<c>--bare-url</c>); when given, every row is also reported as a ratio to it.</summary>
    public string? BareUrl { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        string url = "http://127.0.0.1:7071";
        string? token = Environment.GetEnvironmentVariable("CX_TOKEN");
        var customers = 100_000;
        int[] connections = [1, 10];
        var duration = TimeSpan.FromSeconds(20);
        var warmup = TimeSpan.FromSeconds(5);
        var seedConnections = 8;
        string? bareUrl = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--url":
                    url = value;
                    break;
                case "--token":
                    token = value;
                    break;
                case "--customers":
                    customers = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--connections":
                    connections = [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
                    break;
                case "--seconds":
                    duration = TimeSpan.FromSeconds(int.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--warmup":
                    warmup = TimeSpan.FromSeconds(int.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--bare-url":
                    bareUrl = value;
                    break;
                case "--seed-connections":
                    seedConnections = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        return new LoadOptions(
            url,
            token ?? throw new ArgumentException("Give --token or CX_TOKEN (an admin token from the DevHost token command)."),
            customers,
            connections,
            duration,
            warmup,
            seedConnections
        )
        {
            BareUrl = bareUrl,
        };
    }
}
