using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cx.Integration.Tests.Webhooks;

/// <summary>
/// Crash safety of the webhook path in a real DevHost process: customers are created (each
/// acknowledged with a 201) while the receiver answers 503, the DevHost is killed (SIGKILL) right
/// after its first failed delivery, and a new DevHost on the same files delivers every one of them,
/// in order, once the receiver is back: nothing acknowledged is lost, whether its change had
/// been enqueued yet or not, and whether its delivery was leased, retrying or waiting.
/// </summary>
public sealed class WebhookCrashTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-webhook-crash-tests", Guid.NewGuid().ToString("n"));
    private readonly ConcurrentQueue<string> _received = new();
    private WebApplication _receiver = null!;
    private string _receiverUrl = "";
    private volatile bool _down = true;
    private int _refused;

    private static Dictionary<string, string> Settings() =>
        new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Cx__Hooks__PollMilliseconds"] = "20",
            ["Cx__Queues__PollMilliseconds"] = "20",
            ["Cx__Queues__LeaseSeconds"] = "2",
            ["Cx__Webhooks__AllowPrivateAddresses"] = "true",
            ["Cx__RateLimits__Enabled"] = "false",
        };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost(
            "/in",
            async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                if (_down)
                {
                    Interlocked.Increment(ref _refused);
                    return Results.StatusCode(503);
                }
                _received.Enqueue(JsonNode.Parse(body)!["data"]!["id"]!.GetValue<string>());
                return Results.NoContent();
            }
        );
        await _receiver.StartAsync();
        _receiverUrl = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    private long ActiveQueueMessages()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cx.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM queue_messages WHERE state = 0";
        return (long)command.ExecuteScalar()!;
    }

    public async Task DisposeAsync()
    {
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException) { }
    }

    [Fact]
    public async Task Should_deliver_every_acknowledged_change_in_order_after_the_devhost_was_killed()
    {
        var created = new List<string>();
        await using (var host = await DevHostProcess.StartAsync(_data, Settings()))
        {
            await host
                .Client.PostAsync(
                    "webhooks",
                    HttpAssertions.Json(
                        $$"""{"key":"crash","url":"{{_receiverUrl}}/in","eventTypes":["customer.created"],"secrets":[{"value":"{{Secret}}"}]}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.Created);
            for (var i = 0; i < 20; i++)
            {
                created.Add(await host.Client.CreateCustomerAsync($"crash{i:D2}"));
            }
            // Killed as soon as the first delivery has failed: the rest is queued, leased or not even enqueued yet.
            await SegmentApi.UntilAsync(() => Task.FromResult(Volatile.Read(ref _refused) > 0), "a first failed delivery");
            await host.KillAsync();
        }
        Assert.Empty(_received);

        _down = false;
        await using (var host = await DevHostProcess.StartAsync(_data, Settings()))
        {
            await SegmentApi.UntilAsync(() => Task.FromResult(_received.Count >= created.Count), "every delivery after the restart");
            // Nothing arrives twice: once no message is active in the queue, no delivery is left to send.
            await SegmentApi.UntilAsync(() => Task.FromResult(ActiveQueueMessages() == 0), "no active message in the work queue");
            Assert.Equal(created, _received.ToList());
            var log = await host.Client.GetObjectAsync("webhooks/crash/deliveries?limit=50");
            Assert.All(log["items"]!.AsArray(), d => Assert.Equal("succeeded", d!["status"]!.GetValue<string>()));
            Assert.Equal(created.Count, log["items"]!.AsArray().Count);
        }
    }
}
