using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Cx.Core.Content;
using Cx.Core.Notifications;
using Cx.Core.Queues;
using Cx.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks;

/// <summary>
/// Segment-entered fan-out (see docs/benchmarks.md, "Notifications"): Cx in process on the embedded
/// adapters with its queue consumers, N customers, a segment trigger on the <c>inbox</c> channel (or
/// <c>smtp</c> to the real SMTP sink, tests/Cx.Integration.Tests/Notifications/smtp-sink.mjs), and
/// the N work items the segment observer makes when N customers enter the segment, enqueued at once.
/// It reports messages per second from the first enqueue to the last delivery, and the p99 of reads
/// of a customer by id (<see cref="EntryService.GetAsync"/>, 4 readers) during the fan-out against the
/// same reads before it.
/// </summary>
public static class NotificationFanOut
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        var customers = options.TryGetValue("customers", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 100_000;
        var channel = options.TryGetValue("channel", out var ch) ? ch : "inbox";
        var data = Path.Combine(Path.GetTempPath(), "cx-bench-fanout-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);
        var database = Path.Combine(data, "cx.db");
        var sinkFile = Path.Combine(data, "smtp.jsonl");

        Process? sink = null;
        var settings = new Dictionary<string, string?>
        {
            ["Cx:Storage:Sqlite:Path"] = database,
            ["Cx:Hooks:PollMilliseconds"] = "20",
            ["Cx:Queues:PollMilliseconds"] = "20",
            ["Cx:Queues:BatchSize"] = "256",
            ["Cx:Queues:ConsumersPerQueue"] = "4",
        };
        if (channel == "smtp")
        {
            var root = FindRoot();
            var start = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                WorkingDirectory = root,
            };
            start.ArgumentList.Add(Path.Combine(root, "tests/Cx.Integration.Tests/Notifications/smtp-sink.mjs"));
            start.ArgumentList.Add(sinkFile);
            sink = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var line = await sink.StandardOutput.ReadLineAsync() ?? "";
            settings["Cx:Notifications:Channels:email:Kind"] = "smtp";
            settings["Cx:Notifications:Channels:email:Host"] = "127.0.0.1";
            settings["Cx:Notifications:Channels:email:Port"] = line["listening ".Length..];
            settings["Cx:Notifications:Channels:email:Security"] = "none";
            settings["Cx:Notifications:Channels:email:From"] = "shop@example.com";
            settings["Cx:Notifications:SmtpConnectionsPerChannel"] = "8";
        }
        // --channel http: the WhatsApp-shaped templated HTTP channel to a local Kestrel sink answering 204.
        WebApplication? httpSink = null;
        var httpReceived = 0L;
        if (channel == "http")
        {
            var sinkBuilder = WebApplication.CreateSlimBuilder();
            sinkBuilder.Logging.ClearProviders();
            sinkBuilder.WebHost.UseUrls("http://127.0.0.1:0");
            httpSink = sinkBuilder.Build();
            httpSink.MapPost(
                "/messages",
                async (HttpContext context) =>
                {
                    using var reader = new StreamReader(context.Request.Body);
                    await reader.ReadToEndAsync();
                    Interlocked.Increment(ref httpReceived);
                    return Results.NoContent();
                }
            );
            await httpSink.StartAsync();
            var sinkUrl = httpSink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            settings["Cx:Notifications:AllowPrivateAddresses"] = "true";
            settings["Cx:Notifications:Channels:whatsapp:Kind"] = "http";
            settings["Cx:Notifications:Channels:whatsapp:Url"] = sinkUrl + "/messages";
            settings["Cx:Notifications:Channels:whatsapp:AddressField"] = "email"; // the bench's customers have no phone
            settings["Cx:Notifications:Channels:whatsapp:Body"] =
                """{"messaging_product":"whatsapp","to":{{ customer.id | json }},"type":"text","text":{"body":{{ body | json }}}}""";
        }
        var channelName = channel switch
        {
            "smtp" => "email",
            "http" => "whatsapp",
            _ => "inbox",
        };

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddCx(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var entries = host.Services.GetRequiredService<EntryService>();
        var queue = host.Services.GetRequiredService<IWorkQueue>();
        await host
            .Services.GetRequiredService<NotificationTriggerRegistry>()
            .CreateAsync(
                new NotificationTrigger
                {
                    Key = "bench-vip",
                    On = new TriggerSource
                    {
                        Kind = TriggerKinds.Segment,
                        Segment = "vip",
                        Transition = "entered",
                    },
                    Channels = [channelName],
                    Templates =
                    [
                        new NotificationTemplate
                        {
                            Channel = channelName,
                            Subject = "Welcome to VIP",
                            Body = "Hello {{ customer.name }}, you are a VIP now.",
                        },
                    ],
                },
                CancellationToken.None
            );

        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(
            Enumerable
                .Range(0, 8)
                .Select(_ =>
                    Task.Run(async () =>
                    {
                        for (var i = Interlocked.Increment(ref next); i < customers; i = Interlocked.Increment(ref next))
                        {
                            await entries.CreateAsync(
                                "customer",
                                new JsonObject
                                {
                                    ["id"] = $"fc{i:D6}",
                                    ["name"] = $"Customer {i}",
                                    ["email"] = $"fc{i:D6}@example.com",
                                },
                                CancellationToken.None
                            );
                        }
                    })
                )
        );
        Console.WriteLine(
            $"notify-fanout: {customers:N0} customers created in {clock.Elapsed.TotalSeconds:N1} s; channel {channelName}; data in {data}"
        );

        using var reading = new CancellationTokenSource();
        var baseline = await ReadLoadAsync(entries, customers, TimeSpan.FromSeconds(10), CancellationToken.None);

        var during = ReadLoadAsync(entries, customers, TimeSpan.FromHours(1), reading.Token);
        clock.Restart();
        for (var offset = 0; offset < customers; offset += 1_000)
        {
            var batch = new List<QueueMessage>(1_000);
            for (var i = offset; i < Math.Min(customers, offset + 1_000); i++)
            {
                batch.Add(
                    new NotificationWorkItem
                    {
                        Trigger = "bench-vip",
                        CauseId = $"event:fan-{i}",
                        CustomerId = $"fc{i:D6}",
                        Segment = "vip",
                        Event = new JsonObject
                        {
                            ["type"] = "segment.entered",
                            ["properties"] = new JsonObject { ["segment"] = "vip" },
                        },
                    }.ToQueueMessage(null)
                );
            }
            await queue.EnqueueAsync(NotificationOptions.Queue, batch, CancellationToken.None);
        }
        var enqueued = clock.Elapsed;
        var done = 0L;
        var deadline = TimeSpan.FromMinutes(15);
        // Samples the completed count four times a second until all are done or the deadline passes.
        using var sampling = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (done < customers && clock.Elapsed < deadline && await sampling.WaitForNextTickAsync(CancellationToken.None))
        {
            done = Completed(database);
        }
        var elapsed = clock.Elapsed;
        await reading.CancelAsync();
        var fanOutReads = await during;
        await host.StopAsync();
        if (sink is not null)
        {
            sink.StandardInput.Close();
            await sink.WaitForExitAsync();
            sink.Dispose();
        }
        if (httpSink is not null)
        {
            await httpSink.StopAsync();
            await httpSink.DisposeAsync();
        }
        var delivered = channel switch
        {
            "smtp" => File.ReadLines(sinkFile).Count(l => l.EndsWith('}')),
            "http" => Interlocked.Read(ref httpReceived),
            _ => InboxCount(database),
        };
        Console.WriteLine(
            $"enqueued {customers:N0} work items in {enqueued.TotalSeconds:N1} s; {done:N0} handled and {delivered:N0} delivered in "
                + $"{elapsed.TotalSeconds:N1} s: {done / elapsed.TotalSeconds:N0} messages/s"
        );
        Console.WriteLine(
            $"read by id p50/p99 ms: before {baseline.P50:N2}/{baseline.P99:N2} ({baseline.Count:N0} reads), during the fan-out "
                + $"{fanOutReads.P50:N2}/{fanOutReads.P99:N2} ({fanOutReads.Count:N0} reads): p99 x{fanOutReads.P99 / baseline.P99:N2}"
        );
        Console.WriteLine("load average: " + File.ReadAllText("/proc/loadavg").Trim());
        return done == customers && delivered == customers ? 0 : 1;
    }

    private sealed record Reads(int Count, double P50, double P99);

    private static async Task<Reads> ReadLoadAsync(
        EntryService entries,
        int customers,
        TimeSpan length,
        CancellationToken cancellationToken
    )
    {
        var samples = new List<double>[4];
        await Task.WhenAll(
            Enumerable
                .Range(0, samples.Length)
                .Select(reader =>
                    Task.Run(async () =>
                    {
                        var mine = samples[reader] = [];
                        var random = new Random(reader);
                        var clock = Stopwatch.StartNew();
                        while (clock.Elapsed < length && !cancellationToken.IsCancellationRequested)
                        {
                            var started = Stopwatch.GetTimestamp();
                            await entries.GetAsync("customer", $"fc{random.Next(customers):D6}", CancellationToken.None);
                            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            await Task.Delay(2, CancellationToken.None);
                        }
                    })
                )
        );
        var all = samples.SelectMany(s => s).Order().ToArray();
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
        return new Reads(all.Length, P(0.50), P(0.99));
    }

    private static long Completed(string database) =>
        Scalar(database, "SELECT COUNT(*) FROM queue_messages WHERE queue = 'notifications' AND state <> 0");

    private static long InboxCount(string database) =>
        Scalar(database, "SELECT COUNT(*) FROM \"notifications\" WHERE type = 'inboxMessage'");

    private static long Scalar(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
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
