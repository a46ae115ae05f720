using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cx.Core.Experiments;

namespace Cx.Benchmarks;

/// <summary>
/// <c>experiments-assign</c> (docs/benchmarks.md, "Experiment assignment over HTTP"): issue 14's
/// "100,000 units split by a 50/50 experiment are assigned within chi-square p &gt; 0.01 of the weights
/// and stably across calls", against a running DevHost. Creates a flag and a running 50/50 experiment,
/// assigns N new anonymous units from C concurrent connections, then assigns every unit a second time
/// (in another order) and checks each gets the same variation and bucket. Prints the counts, the
/// chi-square and its p-value, the stability result and the throughput; exits 1 when p &lt;= 0.01, a unit
/// changed arm, or an answer differs from the documented bucketing (the in-process algorithm).
/// </summary>
public static class ExperimentAssignLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        if (args[0] != "experiments-assign" || !options.TryGetValue("url", out var url) || !options.TryGetValue("token", out var token))
        {
            Console.Error.WriteLine(
                "usage: experiments-assign --url URL --token TOKEN [--units 100000] [--connections 16] [--expose false]"
            );
            return 2;
        }
        var units = Int(options, "units", 100_000);
        var connections = Int(options, "connections", 16);
        var expose = options.TryGetValue("expose", out var e) && bool.Parse(e);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(url.TrimEnd('/') + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var run = Guid.NewGuid().ToString("n")[..6];
        var flag = $"assign-{run}";
        var key = $"assign-{run}";
        await PostAsync(
            client,
            "api/v1/flags",
            $$"""
            {"key":"{{flag}}","name":"Assign load","valueType":"string","enabled":true,"offVariation":"classic",
             "variations":[{"key":"classic","value":"classic"},{"key":"one-page","value":"one-page"}],"fallthrough":{"variation":"classic"} }
            """
        );
        await PostAsync(
            client,
            "api/v1/experiments",
            $$"""
            {"key":"{{key}}","name":"Assign load","target":{"flag":"{{flag}}"},"control":"control",
             "variations":[{"key":"control","weight":5000,"serves":"classic"},{"key":"one-page","weight":5000,"serves":"one-page"}],
             "unit":"anonymous","primaryMetric":{"key":"purchase-rate","kind":"conversion","event":"purchase"},
             "start":"2020-01-01T00:00:00Z","plannedEnd":"2099-12-31T00:00:00Z","status":"running"}
            """
        );
        var definition = new ExperimentDefinition
        {
            Key = key,
            Variations =
            [
                new ExperimentVariation { Key = "control", Weight = 5000 },
                new ExperimentVariation { Key = "one-page", Weight = 5000 },
            ],
        };
        var exposeJson = expose ? "true" : "false";

        async Task<(string Variation, int Bucket)> AssignAsync(int n)
        {
            var json = await PostAsync(
                client,
                $"api/v1/experiments/{key}/assign",
                $$"""{"unitId":"u-{{run}}-{{n}}","expose":{{exposeJson}}}"""
            );
            using var document = JsonDocument.Parse(json);
            return (document.RootElement.GetProperty("variation").GetString()!, document.RootElement.GetProperty("bucket").GetInt32());
        }

        async Task<TimeSpan> AllAsync(Func<int, int> order, Func<int, string, int, Task> each)
        {
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(
                Enumerable
                    .Range(0, connections)
                    .Select(async _ =>
                    {
                        int i;
                        while ((i = Interlocked.Increment(ref next)) < units)
                        {
                            var n = order(i);
                            var (variation, bucket) = await AssignAsync(n);
                            await each(n, variation, bucket);
                        }
                    })
            );
            return clock.Elapsed;
        }

        var first = new string[units];
        var buckets = new int[units];
        var mismatches = 0;
        var firstPass = await AllAsync(
            i => i,
            (n, variation, bucket) =>
            {
                first[n] = variation;
                buckets[n] = bucket;
                var expectedBucket = ExperimentService.Bucket(key, $"u-{run}-{n}");
                if (bucket != expectedBucket || variation != definition.Variations[ExperimentService.Pick(definition, expectedBucket)].Key)
                {
                    Interlocked.Increment(ref mismatches);
                }
                return Task.CompletedTask;
            }
        );
        var changed = 0;
        // The second pass walks the units backwards, so no unit is asked twice in a row on one connection.
        var secondPass = await AllAsync(
            i => units - 1 - i,
            (n, variation, bucket) =>
            {
                if (variation != first[n] || bucket != buckets[n])
                {
                    Interlocked.Increment(ref changed);
                }
                return Task.CompletedTask;
            }
        );
        long control = first.Count(v => v == "control");
        long treatment = units - control;
        var expected = units / 2.0;
        var chi = ((control - expected) * (control - expected) / expected) + ((treatment - expected) * (treatment - expected) / expected);
        var p = ExperimentStatistics.ChiSquareSf(chi, 1);
        var ok = p > 0.01 && changed == 0 && mismatches == 0;
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"""
                units {units}, connections {connections}, expose {exposeJson}
                split control {control} / one-page {treatment}: chi-square {chi:F4}, p {p:F4} (needs > 0.01)
                answers that differ from the documented bucketing: {mismatches}
                second pass (reverse order): units whose variation or bucket changed: {changed}
                first pass {firstPass.TotalSeconds:F1} s ({units
                    / firstPass.TotalSeconds:F0} assigns/s), second pass {secondPass.TotalSeconds:F1} s ({units
                    / secondPass.TotalSeconds:F0} assigns/s)
                {(ok ? "PASS" : "FAIL")}
                """
            )
        );
        return ok ? 0 : 1;
    }

    private static async Task<string> PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {body}");
        }
        return body;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
