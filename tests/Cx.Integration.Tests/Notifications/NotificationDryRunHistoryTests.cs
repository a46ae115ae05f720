using System.Net;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// The dry run of a content trigger replays each past change of the customer's entries (ADR 0462):
/// an order created, paid and shipped is three causes, newest first; only the change to
/// <c>shipped</c> fires a "becomes shipped" trigger, and the two others say why they did not.
/// </summary>
public sealed class NotificationDryRunHistoryTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-notification-dryrun", Guid.NewGuid().ToString("n"));
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
    public async Task Should_replay_each_past_change_of_the_customers_entries_saying_which_fired_and_why_not()
    {
        await using var host = await DevHostProcess.StartAsync(_data, NotificationApiTests.Settings(_smtp.Port, "http://127.0.0.1:9"));
        var customer = await host.Client.CreateCustomerAsync("dry", "\"name\":\"Dora\"");
        var created = await (
            await host
                .Client.PostAsync("content/order", HttpAssertions.Json(NotificationApiTests.Order(customer, "S-1")))
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var order = created["id"]!.GetValue<string>();
        foreach (var status in new[] { "paid", "shipped" })
        {
            await host
                .Client.SendAsync(
                    new HttpRequestMessage(HttpMethod.Patch, $"content/order/{order}")
                    {
                        Content = HttpAssertions.Json($$"""{"status":"{{status}}"}""", "application/merge-patch+json"),
                    }
                )
                .ShouldBeAsync(HttpStatusCode.OK);
        }
        // The trigger is disabled, so the hook sends nothing; the dry run still renders each change.
        await host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """
                    {"key":"order-shipped","enabled":false,
                     "on":{"kind":"content","contentType":"order","change":"updated","field":"status","becomes":"shipped"},
                     "channels":["email"],"topic":"orders","critical":true,
                     "templates":[{"channel":"email","subject":"Shipped","body":"{{ document.number }} is {{ document.status }}"}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);

        var run = await (
            await host
                .Client.PostAsync("notification-triggers/order-shipped/dry-run", HttpAssertions.Json($$"""{"customerId":"{{customer}}"}"""))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

        var causes = run["causes"]!.AsArray();
        Assert.Equal(3, causes.Count);
        Assert.All(causes, c => Assert.Equal("content-change", c!["kind"]!.GetValue<string>()));
        Assert.All(causes, c => Assert.StartsWith($"content/", c!["causeId"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(3, causes.Select(c => c!["causeId"]!.GetValue<string>()).Distinct().Count());

        var shipped = causes[0]!;
        Assert.Null(shipped["notFired"]);
        var channel = Assert.Single(shipped["channels"]!.AsArray())!;
        Assert.Equal("S-1 is shipped", channel["body"]!.GetValue<string>());
        Assert.False(channel["wouldSend"]!.GetValue<bool>());
        Assert.Equal("disabled: the trigger is switched off", channel["reason"]!.GetValue<string>());

        Assert.Equal("not fired: status did not become shipped in this change", causes[1]!["notFired"]!.GetValue<string>());
        Assert.Empty(causes[1]!["channels"]!.AsArray());
        Assert.Equal(
            "not fired: the change is order.created; the trigger fires on order.updated",
            causes[2]!["notFired"]!.GetValue<string>()
        );
        Assert.Empty(_smtp.Messages());
    }
}
