using System.Net;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// Digests over HTTP with a real SMTP server (ADR 0461): three orders in the period become ONE e-mail
/// listing the three. The DevHost is stopped after the items are collected and started again on the
/// same files, so the collected items and the due flush must survive the restart. Bad digest
/// settings are refused with 400 and their JSON Pointers.
/// </summary>
public sealed class NotificationDigestApiTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-notification-digest", Guid.NewGuid().ToString("n"));
    private SmtpSink _smtp = null!;

    public const string DigestTrigger = """
        {"key":"order-digest","on":{"kind":"content","contentType":"order","change":"created"},
         "channels":["email"],"topic":"orders","critical":true,
         "digest":{"period":"PT8S","keys":["document.currency"]},
         "templates":[
           {"channel":"email","language":"default","subject":"Your {{ digest.count }} orders in {{ digest.keys['document.currency'] }}",
            "body":"{% for item in digest.items %}- {{ item.document.number }}\n{% endfor %}"}]}
        """;

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
    public async Task Should_send_one_email_listing_the_three_orders_of_the_period_across_a_restart()
    {
        var settings = NotificationApiTests.Settings(_smtp.Port, "http://127.0.0.1:9");
        string customer;
        await using (var host = await DevHostProcess.StartAsync(_data, settings))
        {
            await host.Client.PostAsync("notification-triggers", HttpAssertions.Json(DigestTrigger)).ShouldBeAsync(HttpStatusCode.Created);
            customer = await host.Client.CreateCustomerAsync("digest", "\"name\":\"Dee\"");
            foreach (var number in new[] { "D-1", "D-2", "D-3" })
            {
                await host
                    .Client.PostAsync("content/order", HttpAssertions.Json(NotificationApiTests.Order(customer, number)))
                    .ShouldBeAsync(HttpStatusCode.Created);
            }
            await SegmentApi.UntilAsync(
                () => Task.FromResult(Scalar("SELECT COUNT(*) FROM notifications WHERE type = 'notificationDigestItem'") == 3),
                "three collected items"
            );
            Assert.Empty(_smtp.To($"{customer}@example.com"));
        }

        await using (var host = await DevHostProcess.StartAsync(_data, settings))
        {
            await SegmentApi.UntilAsync(() => Task.FromResult(_smtp.To($"{customer}@example.com").Count == 1), "the digest e-mail");
            var email = Assert.Single(_smtp.To($"{customer}@example.com"));
            Assert.Equal("Your 3 orders in EUR", email["subject"]!.GetValue<string>());
            Assert.Equal("- D-1\n- D-2\n- D-3", email["text"]!.GetValue<string>().Trim());

            await SegmentApi.UntilAsync(
                async () =>
                    (await host.Client.GetObjectAsync($"customers/{customer}/notifications"))["items"]!
                        .AsArray()
                        .FirstOrDefault()
                        ?["status"]?.GetValue<string>() == "delivered",
                "the digest logged as delivered"
            );
            var entry = Assert.Single((await host.Client.GetObjectAsync($"customers/{customer}/notifications"))["items"]!.AsArray())!;
            Assert.Equal("order-digest", entry["trigger"]!.GetValue<string>());
            Assert.Equal(3, entry["digest"]!["count"]!.GetValue<int>());
            Assert.Equal(3, entry["digest"]!["items"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task Should_refuse_bad_digest_settings_with_400_and_pointers()
    {
        await using var host = await DevHostProcess.StartAsync(_data, NotificationApiTests.Settings(_smtp.Port, "http://127.0.0.1:9"));
        var bad = DigestTrigger
            .Replace("\"PT8S\"", "\"soon\"", StringComparison.Ordinal)
            .Replace("\"document.currency\"", "\"document.currency\",\"event.type\"", StringComparison.Ordinal);

        var problem = await (await host.Client.PostAsync("notification-triggers", HttpAssertions.Json(bad))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );

        var errors = problem.Errors();
        Assert.Contains(("pointer", "/digest/period", "duration"), errors);
        Assert.Contains(("pointer", "/digest/keys/1", "digest-key"), errors);
        Assert.DoesNotContain(errors, e => e.Path == "/digest/keys/0");
        await host.Client.GetAsync("notification-triggers/order-digest").ShouldBeAsync(HttpStatusCode.NotFound);
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cx.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
