using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cx.Benchmarks.Load;

/// <summary>
/// The personalization benchmark (docs/benchmarks.md): the customers of <see cref="CustomerLoad"/>,
/// a banner type with 1,000 entries, 50 placements of 20 variants each (segment, language, device
/// and rule targeting, first-match, score and weighted strategies, a holdout on some), then
/// <c>GET /personalize</c> for 5 placements of a random customer (the server-to-server form) at
/// the given connections. Run once with the cache on (warm) and once with
/// <c>Cx__Personalization__CacheSeconds=0</c> for the cost of a cold decision.
/// </summary>
public static class PersonalizeLoad
{
    public const int Placements = 50;
    public const int VariantsPerPlacement = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        var label = "warm";
        var hot = 0;
        var filtered = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--label" && i + 1 < args.Length)
            {
                label = args[++i];
            }
            else if (args[i] == "--hot" && i + 1 < args.Length)
            {
                hot = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                filtered.Add(args[i]);
            }
        }
        var options = LoadOptions.Parse([.. filtered]);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler)
        {
            BaseAddress = new Uri(options.Url.TrimEnd('/') + "/api/v1/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        (await client.GetAsync("health")).EnsureSuccessStatusCode();
        await CustomerLoad.SeedAsync(client, options.Customers, options.SeedConnections);
        await SeedPlacementsAsync(client);

        // --hot N: customers drawn from the first N only (a working set revisited: cached inputs, exposures
        // already recorded today); otherwise from all of them (mostly first visits: holdout draws stored, exposures appended).
        var population = hot > 0 ? Math.Min(hot, options.Customers) : options.Customers;
        label += hot > 0 ? $", {population:N0} revisited customers" : $", any of {options.Customers:N0} customers";
        var random = new Random(7);
        string Next()
        {
            var first = random.Next(0, Placements - 5);
            var keys = string.Join(',', Enumerable.Range(first, 5).Select(p => $"bench.p{p:D2}"));
            var devices = new[] { "mobile", "desktop", "tablet" };
            return $"personalize?placements={keys}&customerId=bench-{random.Next(1, population + 1):D6}&device={devices[random.Next(3)]}";
        }
        var results = new StringBuilder();
        results.AppendLine(LatencySummary.Header);
        foreach (var connections in options.Connections)
        {
            await CustomerLoad.MeasureAsync(client, Next, connections, options.Warmup);
            var summary = await CustomerLoad.MeasureAsync(client, Next, connections, options.Duration);
            var row = summary.Row($"personalize, 5 of {Placements} placements ({label})", connections);
            results.AppendLine(row);
            Console.WriteLine(row);
        }
        Console.WriteLine();
        Console.WriteLine(results);
        return 0;
    }

    private static async Task SeedPlacementsAsync(HttpClient client)
    {
        await Send(
            client.PostAsync(
                "content-types",
                Json(
                    """{"key":"bench-banner","displayName":"Bench banner","fields":[{"name":"title","type":"string","required":true},{"name":"image","type":"string"}]}"""
                )
            )
        );
        var entries = Enumerable.Range(0, Placements * VariantsPerPlacement).ToList();
        await Parallel.ForEachAsync(
            entries,
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) =>
                await Send(
                    client.PostAsync(
                        "content/bench-banner",
                        Json($$"""{"id":"b{{i:D4}}","title":"Banner {{i}}","image":"/img/{{i}}.png"}"""),
                        ct
                    )
                )
        );
        string[] languages = ["en", "pt", "es", "de", "fr"];
        string[] tiers = ["bronze", "silver", "gold", "platinum"];
        string[] strategies = ["firstMatch", "score", "weighted"];
        for (var p = 0; p < Placements; p++)
        {
            var variants = new JsonArray();
            for (var v = 0; v < VariantsPerPlacement; v++)
            {
                var targeting = new JsonObject();
                switch (v % 4)
                {
                    case 0:
                        targeting["segments"] = new JsonArray($"bench-seg-{v % 7}");
                        break;
                    case 1:
                        targeting["languages"] = new JsonArray(languages[v % languages.Length]);
                        break;
                    case 2:
                        targeting["devices"] = new JsonArray(v % 8 == 2 ? "mobile" : "desktop");
                        targeting["rule"] = JsonNode.Parse($$"""{"field":"loyaltyTier","op":"eq","value":"{{tiers[v % tiers.Length]}}"}""");
                        break;
                }
                variants.Add(
                    new JsonObject
                    {
                        ["key"] = $"v{v:D2}",
                        ["entry"] = $"b{p * VariantsPerPlacement + v:D4}",
                        ["priority"] = VariantsPerPlacement - v,
                        ["weight"] = 1 + v,
                        ["targeting"] = targeting,
                    }
                );
            }
            var placement = new JsonObject
            {
                ["key"] = $"bench.p{p:D2}",
                ["name"] = $"Bench placement {p}",
                ["contentType"] = "bench-banner",
                ["strategy"] = strategies[p % strategies.Length],
                ["fallback"] = "v03",
                ["variants"] = variants,
            };
            if (p % 5 == 0)
            {
                placement["holdout"] = new JsonObject { ["percent"] = 10, ["variant"] = "v07" };
            }
            await Send(client.PostAsync("placements", Json(placement.ToJsonString())));
        }
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"placements: {Placements} x {VariantsPerPlacement} variants over {entries.Count:N0} entries"
            )
        );
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Created, or already there from an earlier run (409).</summary>
    private static async Task Send(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
        {
            throw new InvalidOperationException($"Seeding failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
