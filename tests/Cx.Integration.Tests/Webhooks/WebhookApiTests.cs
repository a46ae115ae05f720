using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cx.Integration.Tests.Webhooks;

/// <summary>The DevHost with private webhook targets allowed (a local receiver) and fast polling.</summary>
public sealed class WebhookHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Webhooks:AllowPrivateAddresses"] = "true",
            ["Cx:Hooks:PollMilliseconds"] = "10",
            ["Cx:Queues:PollMilliseconds"] = "10",
        };
}

/// <summary>
/// Outbound webhooks over HTTP against the DevHost: a customer change reaches a subscribed local
/// receiver signed, and an independent library (npm standardwebhooks) verifies it; bad
/// subscriptions are 400 with their pointers, SSRF targets are refused without the option.
/// </summary>
public sealed class WebhookApiTests(WebhookHostFactory host, DevHostFactory strictHost)
    : IClassFixture<WebhookHostFactory>,
        IClassFixture<DevHostFactory>,
        IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly ConcurrentQueue<(Dictionary<string, string> Headers, string Body)> _received = new();
    private WebApplication _receiver = null!;
    private string _receiverUrl = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost(
            "/in",
            async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var headers = context
                    .Request.Headers.Where(h => h.Key.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase))
                    .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
                _received.Enqueue((headers, await reader.ReadToEndAsync()));
                return Results.NoContent();
            }
        );
        await _receiver.StartAsync();
        _receiverUrl = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Should_deliver_a_customer_change_signed_so_that_standardwebhooks_verifies_it()
    {
        var key = "crm-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync(
                "webhooks",
                HttpAssertions.Json(
                    $$"""{"key":"{{key}}","url":"{{_receiverUrl}}/in","eventTypes":["customer.created"],"secrets":[{"value":"{{Secret}}"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var email = $"hook-{Guid.NewGuid():n}@example.com";
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"email":"{{email}}","name":"Hooked"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);

        var delivery = await WaitForAsync(email);
        var (exit, output, error) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Webhooks/verify-with-standardwebhooks.mjs",
            [Secret],
            JsonSerializer.Serialize(new { headers = delivery.Headers, body = delivery.Body })
        );
        Assert.True(exit == 0, error);
        var payload = JsonNode.Parse(output)!;
        Assert.Equal("customer.created", payload["type"]!.GetValue<string>());
        Assert.Equal(email, payload["data"]!["email"]!.GetValue<string>());

        var (tampered, _, reason) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Webhooks/verify-with-standardwebhooks.mjs",
            [Secret],
            JsonSerializer.Serialize(
                new { headers = delivery.Headers, body = delivery.Body.Replace("Hooked", "Hacked", StringComparison.Ordinal) }
            )
        );
        Assert.Equal(1, tampered);
        Assert.Contains("No matching signature found", reason, StringComparison.Ordinal);

        // The delivery log has the attempt with the receiver's answer.
        var log = await _admin.GetAsync($"webhooks/{key}/deliveries").ShouldBeAsync(HttpStatusCode.OK);
        var entry = (await log.ReadObjectAsync())["items"]!.AsArray().Single()!;
        Assert.Equal("succeeded", entry["status"]!.GetValue<string>());
        Assert.Equal(204, entry["attempts"]![0]!["response"]!["status"]!.GetValue<int>());
        Assert.Equal(delivery.Headers["webhook-id"], entry["webhookId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_subscription_with_every_problem_named_and_write_nothing()
    {
        var response = await _admin.PostAsync(
            "webhooks",
            HttpAssertions.Json(
                """{"key":"bad","url":"ftp://example.com","eventTypes":["customer.renamed"],"secrets":[{"value":"whsec_x"}]}"""
            )
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        var pointers = problem["errors"]!.AsArray().Select(e => e!["pointer"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(["/eventTypes/0", "/secrets/0/value", "/url"], pointers);
        await (await _admin.GetAsync("webhooks/bad")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("https://127.0.0.1/in")]
    [InlineData("https://localhost:8443/in")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("http://hooks.example.com/in")]
    public async Task Should_refuse_private_and_loopback_targets_unless_configured_for_local_development(string url)
    {
        var strict = strictHost.CreateApiClient();
        var response = await strict.PostAsync(
            "webhooks",
            HttpAssertions.Json($$"""{"key":"ssrf","url":"{{url}}","eventTypes":["*"],"secrets":[{"value":"{{Secret}}"}]}""")
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal("/url", problem["errors"]![0]!["pointer"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_bad_replays_and_log_queries_with_problems_naming_the_input()
    {
        var key = "bad-input-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync(
                "webhooks",
                HttpAssertions.Json(
                    $$"""{"key":"{{key}}","url":"{{_receiverUrl}}/in","eventTypes":["nothing.created"],"secrets":[{"value":"{{Secret}}"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);

        var noSince = await (
            await _admin.PostAsync($"webhooks/{key}/replay", HttpAssertions.Json("""{"from":"yesterday"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal([("pointer", "/from", "unknown-property"), ("pointer", "/since", "date-time")], noSince.Errors());
        var badDelivery = await (await _admin.PostAsync($"webhooks/{key}/deliveries/not-an-id/replay", null)).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal([("parameter", "deliveryId", "pattern")], badDelivery.Errors());
        var badFilter = await (await _admin.GetAsync($"webhooks/{key}/deliveries?filter[status]=failed")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal("not-filterable", badFilter.Errors().Single().Code);
        await (await _admin.PostAsync($"webhooks/{key}/deliveries/msg_{new string('0', 32)}/replay", null)).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
        await (
            await _admin.PostAsync("webhooks/no-such-hook/replay", HttpAssertions.Json("""{"since":"2026-01-01T00:00:00Z"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var replayed = await _admin
            .PostAsync($"webhooks/{key}/replay", HttpAssertions.Json("""{"since":"2026-01-01T00:00:00Z"}"""))
            .ShouldBeAsync(HttpStatusCode.Accepted);
        Assert.Equal(0, (await replayed.ReadObjectAsync())["replayed"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_keep_the_webhooks_api_to_admins()
    {
        var marketer = host.CreateClientFor(Cx.Core.Identity.Roles.Marketer);
        await (await marketer.GetAsync("webhooks")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    private async Task<(Dictionary<string, string> Headers, string Body)> WaitForAsync(string email)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(20);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            var found = _received.FirstOrDefault(r => r.Body.Contains(email, StringComparison.Ordinal));
            if (found.Body is not null)
            {
                return found;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"No delivery for {email} arrived within 20 s.");
    }
}
