using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cx.Core.Content;
using Cx.Core.Notifications;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks;

/// <summary>
/// Trigger to SMTP (see docs/benchmarks.md, "Notifications"): Cx in process on the embedded
/// adapters with its hosted services (change dispatcher, queue consumers), an order-confirmation
/// trigger on the smtp channel, and a real SMTP server (tests/Cx.Integration.Tests/Notifications/
/// smtp-sink.mjs, npm smtp-server) that stamps each accepted message. Orders are created at a fixed
/// rate; the latency of each is from its create call to the SMTP server's acceptance.
/// </summary>
public static class NotificationLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        var rate = options.TryGetValue("rate", out var r) ? int.Parse(r, CultureInfo.InvariantCulture) : 50;
        var seconds = options.TryGetValue("seconds", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : 20;
        var data = Path.Combine(Path.GetTempPath(), "cx-bench-notify-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);
        var sinkFile = Path.Combine(data, "smtp.jsonl");
        var root = FindRoot();

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = root,
        };
        start.ArgumentList.Add(Path.Combine(root, "tests/Cx.Integration.Tests/Notifications/smtp-sink.mjs"));
        start.ArgumentList.Add(sinkFile);
        using var sink = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var line = await sink.StandardOutput.ReadLineAsync() ?? "";
        var port = line["listening ".Length..];

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Cx:Storage:Sqlite:Path"] = Path.Combine(data, "cx.db"),
                ["Cx:Hooks:PollMilliseconds"] = "20",
                ["Cx:Queues:PollMilliseconds"] = "20",
                ["Cx:Notifications:Channels:email:Kind"] = "smtp",
                ["Cx:Notifications:Channels:email:Host"] = "127.0.0.1",
                ["Cx:Notifications:Channels:email:Port"] = port,
                ["Cx:Notifications:Channels:email:Security"] = "none",
                ["Cx:Notifications:Channels:email:From"] = "shop@example.com",
            }
        );
        builder.Services.AddCx(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var entries = host.Services.GetRequiredService<EntryService>();
        await host
            .Services.GetRequiredService<NotificationTriggerRegistry>()
            .CreateAsync(
                new NotificationTrigger
                {
                    Key = "bench-order",
                    On = new TriggerSource
                    {
                        Kind = TriggerKinds.Content,
                        ContentType = "order",
                        Change = "created",
                    },
                    Channels = ["email"],
                    Critical = true,
                    Templates =
                    [
                        new NotificationTemplate
                        {
                            Channel = "email",
                            Subject = "{{ document.number }}",
                            Body = "Total {{ document.total }}",
                        },
                    ],
                },
                CancellationToken.None
            );
        var total = rate * seconds;
        for (var i = 0; i < total; i++)
        {
            await entries.CreateAsync(
                "customer",
                new JsonObject { ["id"] = $"bc{i:D6}", ["email"] = $"bc{i:D6}@example.com" },
                CancellationToken.None
            );
        }
        Console.WriteLine($"notify-smtp: {total:N0} orders at {rate}/s to SMTP on port {port}, data in {data}");

        var created = new long[total];
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        for (var i = 0; i < total; i++)
        {
            var due = interval * i;
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            created[i] = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            try
            {
                await entries.CreateAsync(
                    "order",
                    JsonNode
                        .Parse(
                            $$"""{"customer":"bc{{i:D6}}","number":"N{{i:D6}}","items":[{"sku":"A","quantity":1,"unitPrice":9.5}],"total":9.5,"currency":"EUR"}"""
                        )!
                        .AsObject(),
                    CancellationToken.None
                );
            }
            catch (Cx.Core.Common.ValidationException ex)
            {
                throw new InvalidOperationException(string.Join("; ", ex.Errors.Select(e => e.Path + " " + e.Detail)), ex);
            }
        }
        var sendTime = clock.Elapsed;
        var arrived = new Dictionary<int, long>();
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
        while (arrived.Count < total && clock.Elapsed < deadline)
        {
            await Task.Delay(200);
            arrived.Clear();
            using var stream = new FileStream(sinkFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync() is { } row)
            {
                if (row.EndsWith('}'))
                {
                    var mail = JsonNode.Parse(row)!;
                    arrived[int.Parse(mail["subject"]!.GetValue<string>()[1..], CultureInfo.InvariantCulture)] = mail[
                        "at"
                    ]!.GetValue<long>();
                }
            }
        }
        await host.StopAsync();
        sink.StandardInput.Close();
        var latencies = arrived.Select(a => (double)(a.Value - created[a.Key])).Order().ToArray();
        double P(double q) =>
            latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
        Console.WriteLine(
            $"created {total:N0} orders in {sendTime.TotalSeconds:N1} s ({total / sendTime.TotalSeconds:N1}/s); {arrived.Count:N0} e-mails accepted; "
                + $"trigger -> SMTP accepted ms: p50 {P(0.50):N0}, p95 {P(0.95):N0}, p99 {P(0.99):N0}, max {(latencies.Length > 0 ? latencies[^1] : double.NaN):N0}"
        );
        return arrived.Count == total ? 0 : 1;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
