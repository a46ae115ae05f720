using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Realtime;

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// Realtime inbox push against a real DevHost with the stock npm <c>@microsoft/signalr</c> client
/// (<c>realtime-client.mjs</c>): a message put in a customer's inbox is published on the customer's
/// channel <c>customer:{id}</c>; the delivery log itself is not.
/// </summary>
public sealed class NotificationRealtimeTests(RealtimeHostFactory host) : IClassFixture<RealtimeHostFactory>
{
    private const string Script = "tests/Cx.Integration.Tests/Realtime/realtime-client.mjs";
    private readonly HttpClient _admin = host.CreateApiClient();

    private string Api => new Uri(_admin.BaseAddress!, ".").ToString().TrimEnd('/');

    [Fact]
    public async Task Should_push_a_new_inbox_message_to_the_customers_realtime_channel()
    {
        var customer = "rti-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{customer}}","email":"{{customer}}@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var marker = "inbox-marker-" + Guid.NewGuid().ToString("n")[..8];

        var (exit, output, error) = await NodeScript.RunAsync(
            Script,
            [],
            new JsonObject
            {
                ["mode"] = "live",
                ["api"] = Api,
                ["token"] = host.IssueToken(Roles.Customer, customer),
                ["channel"] = "customer:" + customer,
                ["writes"] = new JsonArray(
                    new JsonObject
                    {
                        ["method"] = "POST",
                        ["url"] = $"{Api}/customers/{customer}/notifications",
                        ["token"] = host.IssueToken(Roles.Admin),
                        ["body"] = new JsonObject
                        {
                            ["channel"] = "inbox",
                            ["subject"] = "Your parcel",
                            ["body"] = marker,
                            ["idempotencyKey"] = marker,
                        },
                    }
                ),
                ["marker"] = marker,
            }.ToJsonString()
        );

        Assert.True(exit == 0, $"realtime-client.mjs exited {exit}: {error}\n{output}");
        var received = JsonNode.Parse(output)!["received"]!.AsArray();
        var pushed = Assert.Single(received, p => p!["type"]!.GetValue<string>() == "inboxMessage")!;
        Assert.Equal("upsert", pushed["kind"]!.GetValue<string>());
        Assert.StartsWith("inb_", pushed["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(marker, pushed["data"]!["body"]!.GetValue<string>());
        Assert.Equal("Your parcel", pushed["data"]!["subject"]!.GetValue<string>());
        Assert.False(pushed["data"]!["read"]!.GetValue<bool>());
        Assert.DoesNotContain(received, p => p!["type"]!.GetValue<string>() == "notificationDelivery");
    }
}
