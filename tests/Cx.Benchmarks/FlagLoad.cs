using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Cx.Benchmarks;

/// <summary>
/// <c>flags-ofrep</c> (docs/benchmarks.md, "Feature flags"): against a running DevHost, creates and
/// publishes N flags (a targeting rule and a 50 % rollout each), then sends OFREP bulk evaluations
/// from C concurrent connections, each for another unit, and reports the latency percentiles.
/// </summary>
public static class FlagLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        if (args[0] != "flags-ofrep" || !options.TryGetValue("url", out var url) || !options.TryGetValue("token", out var token))
        {
            Console.Error.WriteLine(
                "usage: flags-ofrep --url URL --token TOKEN [--flags 100] [--connections 10] [--requests 5000] [--units N] [--pid DEVHOST_PID]"
            );
            return 2;
        }
        var flags = Int(options, "flags", 100);
        var connections = Int(options, "connections", 10);
        var requests = Int(options, "requests", 5000);
        var units = Int(options, "units", 0); // 0: a new unit per request (each one placed and stored); N: N units over and over
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url.TrimEnd('/') + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var run = Guid.NewGuid().ToString("n")[..6];
        for (var i = 0; i < flags; i++)
        {
            var key = $"load-{run}-{i:D3}";
            var json = $$$$"""
                {"key":"{{{{key}}}}","name":"Load {{{{i}}}}","valueType":"boolean","enabled":true,"offVariation":"off",
                 "variations":[{"key":"on","value":true},{"key":"off","value":false}],
                 "rules":[{"criteria":{"field":"loyaltyTier","op":"eq","value":"platinum"},"serve":{"variation":"on"}}],
                 "fallthrough":{"rollout":{"weights":[{"variation":"on","weight":5000},{"variation":"off","weight":5000}]}}}
                """;
            (await client.PostAsync("api/v1/flags", new StringContent(json, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            (await client.PostAsync($"api/v1/flags/{key}/publish", null)).EnsureSuccessStatusCode();
        }
        async Task<double> OneAsync(int n)
        {
            var unit = units > 0 && n >= 0 ? n % units : n;
            var body = $$$$"""{"context":{"targetingKey":"unit-{{{{run}}}}-{{{{unit}}}}","loyaltyTier":"gold"}}""";
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(
                "api/ofrep/v1/evaluate/flags",
                new StringContent(body, Encoding.UTF8, "application/json")
            );
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        for (var i = 0; i < 200; i++)
        {
            await OneAsync(-1 - i); // warm-up: JIT, connection pool, compiled flag set
        }
        for (var i = 0; i < units; i++)
        {
            await OneAsync(i); // the pool's units are placed (and stored) before the clock starts
        }
        // --pid: the DevHost's process id; its CPU time per request (from /proc, Linux) depends far less on the load of a shared machine than latency.
        var pid = options.TryGetValue("pid", out var p) ? p : null;
        var cpu = ServerCpuMs(pid);
        var (bulkRate, bulk) = await MeasureAsync(connections, requests, OneAsync);
        var bulkCpu = (ServerCpuMs(pid) - cpu) / requests;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"OFREP bulk, {flags} published flags, {connections} connections, {requests} requests, {(units > 0 ? units + " units placed before" : "a new unit each")}: {bulkRate:F0} req/s, {Describe(bulk)}{(pid is null ? "" : $", server CPU {bulkCpu * 1000:F0} µs/request")}"
            )
        );
        // The same pipeline's cheapest answer, measured in the same run: one flag document read by id.
        async Task<double> ReadAsync(int n)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync($"api/v1/flags/load-{run}-{Math.Abs(n) % flags:D3}");
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        for (var i = 0; i < 200; i++)
        {
            await ReadAsync(i);
        }
        cpu = ServerCpuMs(pid);
        var (readRate, read) = await MeasureAsync(connections, requests, ReadAsync);
        var readCpu = (ServerCpuMs(pid) - cpu) / requests;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"read by id (GET /api/v1/flags/{{key}}), {connections} connections, {requests} requests: {readRate:F0} req/s, {Describe(read)}{(pid is null ? "" : $", server CPU {readCpu * 1000:F0} µs/request")}; bulk/read: req/s {readRate / bulkRate:F2}x fewer, p99 {Percentile(bulk, 0.99) / Percentile(read, 0.99):F2}x{(pid is null ? "" : $", CPU {bulkCpu / readCpu:F2}x")}"
            )
        );
        return 0;
    }

    private static async Task<(double Rate, double[] Sorted)> MeasureAsync(int connections, int requests, Func<int, Task<double>> one)
    {
        var latencies = new double[requests];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            Enumerable
                .Range(0, connections)
                .Select(async _ =>
                {
                    int n;
                    while ((n = Interlocked.Increment(ref next)) < requests)
                    {
                        latencies[n] = await one(n);
                    }
                })
        );
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (requests / elapsed, latencies);
    }

    /// <summary>The user and system CPU time of a process in ms (fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms); 0 without a pid.</summary>
    private static double ServerCpuMs(string? pid)
    {
        if (pid is null)
        {
            return 0;
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static string Describe(double[] sorted) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"p50 {Percentile(sorted, 0.50):F2} ms, p95 {Percentile(sorted, 0.95):F2} ms, p99 {Percentile(sorted, 0.99):F2} ms, max {sorted[^1]:F2} ms"
        );

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
