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
    private readonly ConcurrentQueue<string> _filtered = new();
    private readonly SemaphoreSlim _filteredArrived = new(0);
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
        _receiver.MapPost(
            "/filtered",
            async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                _filtered.Enqueue(await reader.ReadToEndAsync());
                _filteredArrived.Release();
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
        _filteredArrived.Dispose();
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
        // The secret is protected at rest: a read names it by id and never shows its value.
        var read = await (await _admin.GetAsync($"webhooks/{key}").ShouldBeAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        Assert.DoesNotContain(Secret["whsec_".Length..], read, StringComparison.Ordinal);
        Assert.Equal(Cx.Core.Webhooks.WebhookSecretIds.Of(Secret), JsonNode.Parse(read)!["secrets"]![0]!["id"]!.GetValue<string>());
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
    public async Task Should_deliver_only_ticket_updates_that_changed_the_status_and_meet_the_condition()
    {
        var key = "filtered-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync(
                "webhooks",
                HttpAssertions.Json(
                    $$"""
                    {"key":"{{key}}","url":"{{_receiverUrl}}/filtered","eventTypes":["support-ticket.updated"],
                     "secrets":[{"value":"{{Secret}}"}],
                     "filter":{"changed":["status"],"condition":{"field":"priority","op":"eq","value":"high"} } }
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var stored = await (await _admin.GetAsync($"webhooks/{key}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("status", stored["filter"]!["changed"]![0]!.GetValue<string>());
        var customer = await (
            await _admin
                .PostAsync("customers", HttpAssertions.Json($$"""{"email":"filter-{{Guid.NewGuid():n}}@example.com"}"""))
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var customerId = customer["id"]!.GetValue<string>();
        async Task<string> Open(string priority)
        {
            var ticket = await (
                await _admin
                    .PostAsync(
                        $"customers/{customerId}/tickets",
                        HttpAssertions.Json($$"""{"subject":"{{priority}} one","priority":"{{priority}}"}""")
                    )
                    .ShouldBeAsync(HttpStatusCode.Created)
            ).ReadObjectAsync();
            return ticket["id"]!.GetValue<string>();
        }
        Task Patch(string ticket, string body) =>
            _admin.PatchAsync($"customers/{customerId}/tickets/{ticket}", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.OK);
        var normal = await Open("normal");
        var high = await Open("high");

        await Patch(normal, """{"status":"open"}"""); // the status changed, but the condition fails
        await Patch(high, """{"subject":"renamed"}"""); // the condition holds, but the status did not change
        await Patch(high, """{"status":"open"}"""); // both: delivered
        await Patch(high, """{"assignee":"agent-7"}"""); // the status did not change
        await Patch(high, """{"status":"awaiting_customer"}"""); // both: delivered

        // Deliveries of one subscription go in change order, so once the last one arrived every
        // change before it was decided: a wrongly delivered one would have arrived first.
        // Waits for two arrivals (signalled by the receiver); the count is asserted below.
        for (var i = 0; i < 2; i++)
        {
            if (!await _filteredArrived.WaitAsync(TimeSpan.FromSeconds(20)))
            {
                break;
            }
        }
        var payloads = _filtered.Select(b => JsonNode.Parse(b)!).ToList();
        Assert.Equal(
            [(high, "open", "renamed"), (high, "awaiting_customer", "renamed")],
            payloads.Select(p =>
                (p["data"]!["id"]!.GetValue<string>(), p["data"]!["status"]!.GetValue<string>(), p["data"]!["subject"]!.GetValue<string>())
            )
        );
        Assert.All(payloads, p => Assert.Equal("support-ticket.updated", p["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_refuse_a_filter_with_every_problem_named_and_write_nothing()
    {
        async Task<JsonObject> Refused(string eventTypes, string filter)
        {
            var response = await _admin.PostAsync(
                "webhooks",
                HttpAssertions.Json(
                    $$"""{"key":"bad-filter","url":"{{_receiverUrl}}/filtered","eventTypes":{{eventTypes}},"secrets":[{"value":"{{Secret}}"}],"filter":{{filter}} }"""
                )
            );
            return await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        }

        var bad = await Refused(
            """["support-ticket.updated","support-ticket.created"]""",
            """{"changed":["nope","1bad"],"condition":{"field":"nosuch","op":"eq","value":"x"}}"""
        );
        Assert.Equal(
            [
                ("pointer", "/filter/changed/0", "unknown-field"),
                ("pointer", "/filter/changed/1", "field"),
                ("pointer", "/filter/condition/field", "unknown-field"),
            ],
            bad.Errors().OrderBy(e => e.Path, StringComparer.Ordinal)
        );
        var anyType = await Refused("""["*"]""", """{"condition":{"field":"status","op":"eq","value":"open"}}""");
        Assert.Equal([("pointer", "/filter/condition", "one-document-type")], anyType.Errors());
        var twoTypes = await Refused(
            """["customer.updated","order.updated"]""",
            """{"condition":{"field":"status","op":"eq","value":"paid"}}"""
        );
        Assert.Equal([("pointer", "/filter/condition", "one-document-type")], twoTypes.Errors());
        var behavior = await Refused(
            """["customer.updated"]""",
            """{"condition":{"behavior":{"event":"purchase","aggregate":"count","op":"gt","value":1}}}"""
        );
        Assert.Equal([("pointer", "/filter/condition", "behavior")], behavior.Errors());
        var shape = await Refused("""["customer.updated"]""", """{"changed":"status"}""");
        Assert.Equal("/filter/changed", shape.Errors().Single().Path);
        await (await _admin.GetAsync("webhooks/bad-filter")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
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
