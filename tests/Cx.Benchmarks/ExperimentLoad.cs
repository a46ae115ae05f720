using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Experiments;
using Cx.Core.Flags;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks;

/// <summary>
/// The significance run's work over a seeded embedded store (docs/benchmarks.md, "Experiment
/// significance"): N running experiments with E exposures in all (anonymous units, their arm from the
/// experiment's bucketing), purchases after exposure for about 10-12 % of the units and pre-period
/// purchases for a third of them (CUPED history), seeded straight into the analytics store. Then the
/// clock times what the orchestration's activities do: list the experiments, analyze them all at once
/// (the fan-out), and write the decisions.
/// </summary>
public static class ExperimentLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        if (args[0] != "experiments-significance")
        {
            Console.Error.WriteLine("usage: experiments-significance [--experiments N] [--exposures N] [--data DIR]");
            return 2;
        }
        var experiments = Int(options, "experiments", 10);
        var exposures = Int(options, "exposures", 1_000_000);
        var data =
            options.GetValueOrDefault("data")
            ?? Path.Combine(Path.GetTempPath(), "cx-bench-significance-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Cx:Storage:Sqlite:Path"] = Path.Combine(data, "cx.db"),
                ["Cx:Content:DefinitionCacheSeconds"] = "0",
            }
        );
        builder.Services.AddCx(builder.Configuration);
        using var host = builder.Build();
        foreach (var service in host.Services.GetServices<IHostedService>().Where(s => s is CxInitializer or EventsInitializer))
        {
            await service.StartAsync(CancellationToken.None);
        }
        var services = host.Services;
        var now = TimeProvider.System.GetUtcNow();
        Console.WriteLine($"experiments-significance: {experiments} experiments, {exposures:N0} exposures, data in {data}");

        var seedClock = Stopwatch.StartNew();
        var keys = await CreateAsync(services, experiments);
        var facts = await SeedAsync(services, keys, exposures / experiments, now);
        Console.WriteLine($"seeded {facts:N0} facts in {seedClock.Elapsed.TotalSeconds:N1} s");

        var significance = services.GetRequiredService<ExperimentSignificance>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var running = await significance.ListRunningAsync(CancellationToken.None);
        var analyses = await Task.WhenAll(
            running.Select(key => Task.Run(() => significance.AnalyzeAsync("bench", key, CancellationToken.None)))
        );
        var analyzed = clock.Elapsed;
        var writes = new List<string>();
        foreach (var analysis in analyses)
        {
            writes.Add(await significance.WriteAsync(analysis, CancellationToken.None));
        }
        clock.Stop();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.WriteLine(
            $"run: {running.Length} experiments, {analyses.Sum(a => a.SampleRatio!.Arms.Sum(x => x.Units)):N0} exposed units, "
                + $"analyzed in {analyzed.TotalSeconds:N2} s, with the writes {clock.Elapsed.TotalSeconds:N2} s wall, "
                + $"{cpuUsed.TotalSeconds:N2} s CPU (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})"
        );
        foreach (var analysis in analyses)
        {
            var primary = analysis.Metrics[0].Arms[1];
            Console.WriteLine(
                $"  {analysis.Experiment}: {analysis.Decision} {analysis.Winner} (effect {primary.Effect:F4}, adjusted p {primary.AdjustedPValue:G3}, "
                    + $"theta {analysis.Metrics[0].Theta:F3}) write {writes[Array.IndexOf(analyses, analysis)]}"
            );
        }
        return 0;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static async Task<string[]> CreateAsync(IServiceProvider services, int count)
    {
        var flag = "bench-checkout-" + Guid.NewGuid().ToString("n")[..6];
        await services
            .GetRequiredService<FlagService>()
            .CreateAsync(
                DefinitionJson.Deserialize<FlagDefinition>(
                    JsonDocument
                        .Parse(
                            $$"""
                            {"key":"{{flag}}","name":"Checkout","valueType":"string","enabled":true,"offVariation":"classic",
                             "variations":[{"key":"classic","value":"classic"},{"key":"one-page","value":"one-page"}],"fallthrough":{"variation":"classic"} }
                            """
                        )
                        .RootElement
                ),
                CancellationToken.None
            );
        var experimentService = services.GetRequiredService<ExperimentService>();
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = $"bench-exp-{i}-{Guid.NewGuid().ToString("n")[..6]}";
            await experimentService.CreateAsync(
                DefinitionJson.Deserialize<ExperimentDefinition>(
                    JsonDocument
                        .Parse(
                            $$"""
                            {"key":"{{keys[i]}}","name":"Bench","target":{"flag":"{{flag}}"},"control":"control",
                             "variations":[{"key":"control","weight":5000,"serves":"classic"},{"key":"one-page","weight":5000,"serves":"one-page"}],
                             "unit":"anonymous",
                             "primaryMetric":{"key":"purchase-rate","kind":"conversion","event":"purchase","windowHours":72},
                             "guardrails":[{"key":"revenue","kind":"mean","event":"purchase","property":"amount"}],
                             "start":"2026-12-01T00:00:00Z","plannedEnd":"2027-12-31T00:00:00Z","status":"running"}
                            """
                        )
                        .RootElement
                ),
                CancellationToken.None
            );
        }
        return keys;
    }

    private static async Task<long> SeedAsync(IServiceProvider services, string[] keys, int perExperiment, DateTimeOffset now)
    {
        var analytics = services.GetRequiredService<IAnalyticsStore>();
        var types = await services.GetRequiredService<EventTypeRegistry>().GetAllAsync(CancellationToken.None);
        var batch = new List<EventFact>(20_000);
        long position = 0,
            total = 0;
        var random = new Random(14);
        foreach (var key in keys)
        {
            var experiment = new ExperimentDefinition
            {
                Key = key,
                Variations =
                [
                    new ExperimentVariation { Key = "control", Weight = 5000 },
                    new ExperimentVariation { Key = "one-page", Weight = 5000 },
                ],
            };
            var exposure = Encoding.UTF8.GetBytes($$"""{"experiment":"{{key}}"}""");
            for (var u = 0; u < perExperiment; u++)
            {
                var unit = $"{key}-u{u}";
                var arm = ExperimentService.Pick(experiment, ExperimentService.Bucket(key, unit));
                var exposedAt = now.AddHours(-(u % 48) - 2);
                batch.Add(
                    Fact(Event(ExperimentDocuments.ExposureEventId(key), ExperimentDocuments.ExposureEvent, unit, exposedAt, exposure))
                );
                if (u % 3 == 0)
                {
                    batch.Add(Fact(Event($"pre-{u}", "purchase", unit, exposedAt.AddDays(-3), Amount(random))));
                }
                if (random.NextDouble() < (arm == 0 ? 0.10 : 0.12))
                {
                    batch.Add(Fact(Event($"post-{u}", "purchase", unit, exposedAt.AddHours(1), Amount(random))));
                }
                if (batch.Count >= 20_000)
                {
                    total += (
                        await analytics.ApplyAsync(new AnalyticsBatch(batch, new StreamCheckpoint("seed", ++position)), default)
                    ).Applied;
                    batch = new List<EventFact>(20_000);
                }
            }
        }
        total += (await analytics.ApplyAsync(new AnalyticsBatch(batch, new StreamCheckpoint("seed", ++position)), default)).Applied;
        return total;

        EventFact Fact(TrackedEvent e) => EventBatchProcessor.ToFact(e, types.GetValueOrDefault(e.Type));
    }

    private static byte[] Amount(Random random) =>
        Encoding.UTF8.GetBytes($$"""{"amount":{{(20 + random.Next(0, 60)).ToString(CultureInfo.InvariantCulture)}},"currency":"EUR"}""");

    private static TrackedEvent Event(string id, string type, string unit, DateTimeOffset at, byte[] properties) =>
        new()
        {
            Id = id,
            Type = type,
            AnonymousId = unit,
            Timestamp = at,
            ReceivedAt = at,
            Custom = type == ExperimentDocuments.ExposureEvent,
            Properties = properties,
        };
}
