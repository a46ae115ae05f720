using System.Net;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// The issue's done-means over HTTP: creating an order delivers exactly one confirmation e-mail to
/// a real SMTP server even when the change is redelivered. The redelivery is real: between two
/// DevHost runs on the same files the notifications hook's checkpoint is moved back before the
/// order's change and the queue's memory of the work item is erased, so the second run hands the
/// same change to the hook again and enqueues it again; only the delivery log stands between it
/// and a second e-mail.
/// </summary>
public sealed class NotificationRedeliveryTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-notification-redelivery", Guid.NewGuid().ToString("n"));
    private SmtpSink _smtp = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        _smtp = await SmtpSink.StartAsync(_data);
    }

    public async Task DisposeAsync()
    {
        await _smtp.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException) { }
    }

    [Fact]
    public async Task Should_deliver_exactly_one_confirmation_email_when_the_order_change_is_redelivered()
    {
        var settings = NotificationApiTests.Settings(_smtp.Port, "http://127.0.0.1:9");
        string customer;
        string order;
        await using (var host = await DevHostProcess.StartAsync(_data, settings))
        {
            await host
                .Client.PostAsync("notification-triggers", HttpAssertions.Json(NotificationApiTests.OrderTrigger))
                .ShouldBeAsync(HttpStatusCode.Created);
            customer = await host.Client.CreateCustomerAsync("redeliver", "\"name\":\"Rita\"");
            var created = await (
                await host
                    .Client.PostAsync("content/order", HttpAssertions.Json(NotificationApiTests.Order(customer, "R-1")))
                    .ShouldBeAsync(HttpStatusCode.Created)
            ).ReadObjectAsync();
            order = created["id"]!.GetValue<string>();
            await SegmentApi.UntilAsync(() => Task.FromResult(_smtp.To($"{customer}@example.com").Count == 1), "the confirmation e-mail");
            await SegmentApi.UntilAsync(
                async () =>
                    (await host.Client.GetObjectAsync($"customers/{customer}/notifications"))["items"]!
                        .AsArray()
                        .FirstOrDefault()
                        ?["status"]?.GetValue<string>() == "delivered",
                "the delivery logged as delivered"
            );
            await NotificationApiTests.UntilHookPassedAsync(_data, "content", order);
            await SegmentApi.UntilAsync(
                () => Task.FromResult(Scalar("SELECT COUNT(*) FROM queue_messages WHERE queue = 'notifications' AND state = 0") == 0),
                "an idle queue"
            );
        }

        // Redeliver: the hook's checkpoint goes back to just before the order's change, and the
        // queue forgets the work item (as after its duplicate window), so nothing upstream can drop it.
        Execute(
            "UPDATE checkpoints SET position = CAST((SELECT min(seq) - 1 FROM changes WHERE container = 'content' AND id = $id) AS TEXT) "
                + "WHERE consumer = 'hook:notifications'",
            order
        );
        Execute("DELETE FROM queue_messages WHERE queue = 'notifications'", null);
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM queue_messages WHERE queue = 'notifications'"));

        await using (var host = await DevHostProcess.StartAsync(_data, settings))
        {
            await NotificationApiTests.UntilHookPassedAsync(_data, "content", order);
            // The change was enqueued again and its work item handled (settled), not dropped upstream.
            await SegmentApi.UntilAsync(
                () =>
                    Task.FromResult(
                        Scalar("SELECT COUNT(*) FROM queue_messages WHERE queue = 'notifications' AND state <> 0") >= 1
                            && Scalar("SELECT COUNT(*) FROM queue_messages WHERE queue = 'notifications' AND state = 0") == 0
                    ),
                "the redelivered work item to be handled"
            );
            Assert.Single(_smtp.To($"{customer}@example.com"));
            var log = (await host.Client.GetObjectAsync($"customers/{customer}/notifications"))["items"]!.AsArray();
            var entry = Assert.Single(log)!;
            Assert.Equal("delivered", entry["status"]!.GetValue<string>());
            Assert.Equal(1, entry["attempts"]!.GetValue<int>());
        }
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cx.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private void Execute(string sql, string? id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cx.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (id is not null)
        {
            command.Parameters.AddWithValue("$id", id);
        }
        Assert.True(command.ExecuteNonQuery() >= 0);
    }
}
