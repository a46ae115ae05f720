using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Queues;
using Cx.Core.Webhooks;
using Cx.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Benchmarks;

/// <summary>
/// Webhook fan-out (see docs/benchmarks.md, "Webhooks"): in process on the embedded adapters,
/// N subscriptions to a local receiver (Kestrel on a loopback port, answering 204), then M
/// document writes; times the change hook (enqueue of M x N deliveries) and the delivery of all of
/// them by the queue consumer (signed, POSTed, logged, completed), and checks the receiver got
/// every one, in order per subscription.
/// </summary>
public static class WebhookLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        var changes = options.TryGetValue("changes", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : 10_000;
        var subscriptions = options.TryGetValue("subscriptions", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : 10;
        var data = Path.Combine(Path.GetTempPath(), "cx-bench-webhooks-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(data);

        // The receiver: counts deliveries and checks the order per subscription (the "seq" of each payload).
        var received = 0L;
        var outOfOrder = 0L;
        var last = new long[subscriptions];
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.Logging.ClearProviders();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost(
            "/s/{index:int}",
            async (int index, HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                var at = body.IndexOf("\"seq\":", StringComparison.Ordinal) + 6;
                var seq = long.Parse(body.AsSpan(at, body.IndexOfAny([',', '}'], at) - at), CultureInfo.InvariantCulture);
                if (seq <= Interlocked.Exchange(ref last[index], seq))
                {
                    Interlocked.Increment(ref outOfOrder);
                }
                Interlocked.Increment(ref received);
                return Results.NoContent();
            }
        );
        await receiver.StartAsync();
        var receiverUrl = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Cx:Storage:Sqlite:Path"] = Path.Combine(data, "cx.db"),
                ["Cx:Webhooks:AllowPrivateAddresses"] = "true",
                ["Cx:Webhooks:SecretKeysFolder"] = Path.Combine(data, "webhook-keys"),
                ["Cx:Queues:BatchSize"] = "64",
            }
        );
        builder.Services.AddCx(builder.Configuration);
        using var host = builder.Build();
        foreach (var service in host.Services.GetServices<IHostedService>().Where(x => x is CxInitializer or EventsInitializer))
        {
            await service.StartAsync(CancellationToken.None);
        }
        var services = host.Services;
        var registry = services.GetRequiredService<WebhookRegistry>();
        var store = services.GetRequiredService<IDocumentStore>();
        var dispatcher = services.GetRequiredService<ChangeDispatcher>();
        var consumer = services.GetRequiredService<WorkQueueConsumer>();
        var handler = services.GetServices<IQueueHandler>().OfType<WebhookDeliveryHandler>().Single();
        Console.WriteLine($"webhooks-fanout: {changes:N0} changes to {subscriptions} subscriptions on {receiverUrl}, data in {data}");

        // The hook's checkpoint starts after everything written so far.
        while (await dispatcher.DispatchAsync(CancellationToken.None) > 0) { }
        var secret = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("benchmark-secret-of-32-bytes-ok!"));
        for (var i = 0; i < subscriptions; i++)
        {
            await registry.CreateAsync(
                new WebhookSubscription
                {
                    Key = $"bench-{i}",
                    Url = $"{receiverUrl}/s/{i}",
                    EventTypes = ["benchItem.*"],
                    Secrets = [new WebhookSecret { Value = secret }],
                },
                CancellationToken.None
            );
        }

        var clock = Stopwatch.StartNew();
        var now = Instants.Format(TimeProvider.System.GetUtcNow());
        // One after another, so the change feed's order is the seq order the receiver checks.
        for (var i = 0; i < changes; i++)
        {
            var id = "b" + i.ToString("D7", CultureInfo.InvariantCulture);
            var json = Encoding.UTF8.GetBytes(
                $$"""{"id":"{{id}}","type":"benchItem","seq":{{i + 1}},"createdAt":"{{now}}","updatedAt":"{{now}}"}"""
            );
            await store.CreateAsync(Containers.Content, new DocumentWrite(id, "benchItem", "benchItem", json), CancellationToken.None);
        }
        var writeTime = clock.Elapsed;
        clock.Restart();
        while (await dispatcher.DispatchAsync(CancellationToken.None) > 0) { }
        var enqueueTime = clock.Elapsed;
        Console.WriteLine(
            $"wrote {changes:N0} documents in {writeTime.TotalSeconds:N2} s; the hook enqueued {(long)changes * subscriptions:N0} deliveries in {enqueueTime.TotalSeconds:N2} s"
        );

        clock.Restart();
        var expected = (long)changes * subscriptions;
        // The hosted consumer's loops (Cx:Queues:ConsumersPerQueue of them), each receiving and settling batches.
        var loops = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkQueueOptions>>().Value.ConsumersPerQueue;
        await Task.WhenAll(
            Enumerable
                .Range(0, loops)
                .Select(_ =>
                    Task.Run(async () =>
                    {
                        var idle = 0;
                        while (Interlocked.Read(ref received) < expected && idle < 50)
                        {
                            idle = await consumer.RunOnceAsync(handler, CancellationToken.None) > 0 ? 0 : idle + 1;
                        }
                    })
                )
        );
        var deliverTime = clock.Elapsed;
        var got = Interlocked.Read(ref received);
        Console.WriteLine(
            $"delivered {got:N0} of {expected:N0} in {deliverTime.TotalSeconds:N2} s: {got / deliverTime.TotalSeconds:N0} deliveries/s "
                + $"(hook + delivery: {got / (enqueueTime + deliverTime).TotalSeconds:N0}/s); out of order: {Interlocked.Read(ref outOfOrder)}"
        );
        await receiver.StopAsync();
        return got == expected && Interlocked.Read(ref outOfOrder) == 0 ? 0 : 1;
    }
}
