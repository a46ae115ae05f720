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

namespace Cx.Integration.Tests.Notifications;

/// <summary>
/// Notifications over HTTP in a real DevHost: a real SMTP server (npm smtp-server) receives the
/// e-mail channel, a local HTTP receiver plays a WhatsApp-shaped provider configured only by
/// settings, and the inbox, triggers and delivery log are read back through the API.
/// </summary>
public sealed class NotificationApiTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-notification-tests", Guid.NewGuid().ToString("n"));
    private readonly ConcurrentQueue<(string Method, string Path, string? Authorization, string Body)> _received = new();
    private WebApplication _receiver = null!;
    private SmtpSink _smtp = null!;
    private DevHostProcess _host = null!;
    private string _receiverUrl = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        _smtp = await SmtpSink.StartAsync(_data);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.Map(
            "/{**path}",
            async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                _received.Enqueue(
                    (context.Request.Method, context.Request.Path.Value!, context.Request.Headers.Authorization.ToString(), body)
                );
                return Results.Json(new { messages = new[] { new { id = "wamid.test" } } });
            }
        );
        await _receiver.StartAsync();
        _receiverUrl = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _host = await DevHostProcess.StartAsync(_data, Settings(_smtp.Port, _receiverUrl));
    }

    /// <summary>The channels are configuration: e-mail over SMTP, the inbox, and a WhatsApp-shaped HTTP provider.</summary>
    public static Dictionary<string, string> Settings(int smtpPort, string receiverUrl) =>
        new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Cx__Hooks__PollMilliseconds"] = "20",
            ["Cx__Queues__PollMilliseconds"] = "20",
            ["Cx__RateLimits__Enabled"] = "false",
            ["Cx__Segments__JobPollSeconds"] = "1",
            ["Cx__Analytics__MaxBatchDelayMs"] = "20",
            ["Cx__Notifications__AllowPrivateAddresses"] = "true",
            ["Cx__Notifications__PublicBaseUrl"] = "https://cx.example.com",
            ["Cx__Notifications__UnsubscribeSecret"] = "test-only-unsubscribe-secret-0123456789abcdef",
            ["Cx__Notifications__Channels__email__Kind"] = "smtp",
            ["Cx__Notifications__Channels__email__Host"] = "127.0.0.1",
            ["Cx__Notifications__Channels__email__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cx__Notifications__Channels__email__Security"] = "none",
            ["Cx__Notifications__Channels__email__From"] = "Cx Shop <shop@example.com>",
            ["Cx__Notifications__Channels__inbox__Kind"] = "inbox",
            ["Cx__Notifications__Channels__whatsapp__Kind"] = "http",
            ["Cx__Notifications__Channels__whatsapp__Url"] = receiverUrl + "/v21.0/1234567890/messages",
            ["Cx__Notifications__Channels__whatsapp__Headers__Authorization"] = "Bearer test-access-token",
            ["Cx__Notifications__Channels__whatsapp__Body"] =
                """{"messaging_product":"whatsapp","to":{{ to | json }},"type":"text","text":{"body":{{ body | json }}}}""",
        };

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _smtp.DisposeAsync();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException) { }
    }

    public const string OrderTrigger = """
        {"key":"order-confirmation","on":{"kind":"content","contentType":"order","change":"created"},
         "channels":["email"],"topic":"orders","critical":true,
         "templates":[
           {"channel":"email","subject":"Order {{ document.number }} confirmed","body":"Hello {{ customer.name }}, we got your order of {{ document.items | size }} item(s): {{ document.total }} {{ document.currency }}."},
           {"channel":"email","language":"pt","subject":"Encomenda {{ document.number }} confirmada","body":"Olá {{ customer.name }}."}
         ]}
        """;

    public static string Order(string customer, string number) =>
        $$"""{"customer":"{{customer}}","number":"{{number}}","items":[{"sku":"A-1","name":"Mug","quantity":2,"unitPrice":7.5}],"subtotal":15,"total":15,"currency":"EUR"}""";

    [Fact]
    public async Task Should_send_one_confirmation_email_in_the_customers_language_when_an_order_is_created()
    {
        await _host.Client.PostAsync("notification-triggers", HttpAssertions.Json(OrderTrigger)).ShouldBeAsync(HttpStatusCode.Created);
        var ana = await _host.Client.CreateCustomerAsync("ana", "\"name\":\"Ana\",\"preferences\":{\"language\":\"pt-PT\"}");
        var bob = await _host.Client.CreateCustomerAsync("bob", "\"name\":\"Bob\",\"preferences\":{\"language\":\"en\"}");
        await _host.Client.PostAsync("content/order", HttpAssertions.Json(Order(ana, "A-100"))).ShouldBeAsync(HttpStatusCode.Created);
        await _host.Client.PostAsync("content/order", HttpAssertions.Json(Order(bob, "B-200"))).ShouldBeAsync(HttpStatusCode.Created);

        await SegmentApi.UntilAsync(
            () => Task.FromResult(_smtp.To($"{ana}@example.com").Count == 1 && _smtp.To($"{bob}@example.com").Count == 1),
            "both e-mails"
        );
        var toAna = Assert.Single(_smtp.To($"{ana}@example.com"));
        Assert.Equal("Encomenda A-100 confirmada", toAna["subject"]!.GetValue<string>());
        Assert.Equal("Olá Ana.", toAna["text"]!.GetValue<string>().Trim());
        var toBob = Assert.Single(_smtp.To($"{bob}@example.com"));
        Assert.Equal("Order B-200 confirmed", toBob["subject"]!.GetValue<string>());
        Assert.Equal("Hello Bob, we got your order of 1 item(s): 15 EUR.", toBob["text"]!.GetValue<string>().Trim());
        Assert.Contains("shop@example.com", toBob["from"]!.GetValue<string>());

        // The log records "delivered" once the SMTP server has accepted the message (250 after DATA).
        await SegmentApi.UntilAsync(
            async () =>
                (await _host.Client.GetObjectAsync($"customers/{bob}/notifications"))["items"]!
                    .AsArray()
                    .FirstOrDefault()
                    ?["status"]?.GetValue<string>() == "delivered",
            "the delivery logged as delivered"
        );
        var log = (await _host.Client.GetObjectAsync($"customers/{bob}/notifications"))["items"]!.AsArray();
        var entry = Assert.Single(log);
        Assert.Equal("delivered", entry!["status"]!.GetValue<string>());
        Assert.Equal("email", entry["channel"]!.GetValue<string>());
        Assert.Equal("order-confirmation", entry["trigger"]!.GetValue<string>());
        Assert.Equal($"{bob}@example.com", entry["to"]!.GetValue<string>());
        Assert.StartsWith("SMTP 250: ", entry["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["queued", "sent", "delivered"], entry["history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task Should_put_one_message_in_the_inbox_when_a_ticket_moves_to_awaiting_customer()
    {
        await _host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """
                    {"key":"ticket-awaiting","on":{"kind":"content","contentType":"support-ticket","change":"updated","field":"status","becomes":"awaiting_customer"},
                     "channels":["inbox"],"templates":[{"channel":"inbox","subject":"We need your answer","body":"About '{{ document.subject }}': please reply."}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var customer = await _host.Client.CreateCustomerAsync("tk");
        var ticket = await (
            await _host
                .Client.PostAsync($"customers/{customer}/tickets", HttpAssertions.Json("""{"subject":"Broken mug"}"""))
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var id = ticket["id"]!.GetValue<string>();
        foreach (var patch in new[] { """{"status":"open"}""", """{"status":"awaiting_customer"}""", """{"priority":"high"}""" })
        {
            await _host
                .Client.PatchAsync($"customers/{customer}/tickets/{id}", HttpAssertions.Json(patch, "application/merge-patch+json"))
                .ShouldBeAsync(HttpStatusCode.OK);
        }
        await SegmentApi.UntilAsync(
            async () => (await _host.Client.GetObjectAsync($"customers/{customer}/inbox"))["items"]!.AsArray().Count > 0,
            "the inbox message"
        );
        // Once the hook has passed the priority change too and the queue is idle, still one message:
        // only the change to awaiting_customer fired, not the later update that kept it.
        await UntilHookPassedAsync("content", id);
        await SegmentApi.UntilAsync(() => Task.FromResult(ActiveQueueMessages() == 0), "an idle notifications queue");
        var inbox = (await _host.Client.GetObjectAsync($"customers/{customer}/inbox"))["items"]!.AsArray();
        var message = Assert.Single(inbox)!;
        Assert.Equal("We need your answer", message["subject"]!.GetValue<string>());
        Assert.Equal("About 'Broken mug': please reply.", message["body"]!.GetValue<string>());
        Assert.False(message["read"]!.GetValue<bool>());

        var messageId = message["id"]!.GetValue<string>();
        var read = await (
            await _host.Client.PostAsync($"customers/{customer}/inbox/{messageId}/read", null).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.True(read["read"]!.GetValue<bool>());
        Assert.Empty((await _host.Client.GetObjectAsync($"customers/{customer}/inbox?unread=true"))["items"]!.AsArray());
        await _host
            .Client.PostAsync($"customers/{customer}/inbox/inb_00000000000000000000000000000000/read", null)
            .ShouldBeAsync(HttpStatusCode.NotFound);
        await (await _host.Client.PostAsync($"customers/{customer}/inbox/not-an-id/read", null)).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
    }

    [Fact]
    public async Task Should_send_through_a_whatsapp_shaped_provider_that_exists_only_in_configuration_once_per_key()
    {
        var customer = await _host.Client.CreateCustomerAsync("wa", "\"phone\":\"+351912345678\"");
        var send = """{"channel":"whatsapp","body":"Your parcel \"42\" is on its way","idempotencyKey":"parcel-42"}""";
        var first = await (
            await _host.Client.PostAsync($"customers/{customer}/notifications", HttpAssertions.Json(send)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("delivered", first["status"]!.GetValue<string>());
        Assert.False(first["duplicate"]!.GetValue<bool>());
        var again = await (
            await _host.Client.PostAsync($"customers/{customer}/notifications", HttpAssertions.Json(send)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.True(again["duplicate"]!.GetValue<bool>());
        Assert.Equal(first["deliveryId"]!.GetValue<string>(), again["deliveryId"]!.GetValue<string>());

        var request = Assert.Single(_received);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v21.0/1234567890/messages", request.Path);
        Assert.Equal("Bearer test-access-token", request.Authorization);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("whatsapp", body["messaging_product"]!.GetValue<string>());
        Assert.Equal("+351912345678", body["to"]!.GetValue<string>());
        Assert.Equal("Your parcel \"42\" is on its way", body["text"]!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_suppress_a_message_to_a_customer_without_an_address_and_say_why()
    {
        var customer = await _host.Client.CreateCustomerAsync("nophone");
        var result = await (
            await _host
                .Client.PostAsync(
                    $"customers/{customer}/notifications",
                    HttpAssertions.Json("""{"channel":"whatsapp","body":"Hi","idempotencyKey":"k1"}""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("suppressed", result["status"]!.GetValue<string>());
        Assert.StartsWith("missing address", result["reason"]!.GetValue<string>());
        Assert.Empty(_received);
        var entry = Assert.Single((await _host.Client.GetObjectAsync($"customers/{customer}/notifications"))["items"]!.AsArray())!;
        Assert.Equal("suppressed", entry["status"]!.GetValue<string>());
        Assert.StartsWith("missing address", entry["reason"]!.GetValue<string>());

        // A suppression is final, not a failure: nothing is dead-lettered, and there is nothing to replay.
        Assert.Empty((await _host.Client.GetObjectAsync("notifications/dead-letters?limit=10"))["items"]!.AsArray());
        await _host
            .Client.PostAsync($"notifications/dead-letters/ntw_{new string('0', 32)}/replay", null)
            .ShouldBeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Should_refuse_a_trigger_with_every_problem_named_by_its_path_and_write_nothing()
    {
        var problem = await (
            await _host.Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """
                    {"key":"Bad Key","on":{"kind":"content","contentType":"order","change":"updated","field":"status","becomes":"lost"},
                     "delay":"soon","channels":["email","pigeon"],
                     "templates":[{"channel":"email","subject":"{{ document.nope }}","body":"{{ customer.name "}]}
                    """
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        var paths = problem.Errors().Select(e => e.Path).ToHashSet();
        Assert.Superset(
            new HashSet<string> { "/key", "/on/becomes", "/delay", "/channels/1", "/templates/0/subject", "/templates/0/body" },
            paths
        );
        var unknown = problem.Errors().Single(e => e.Path == "/templates/0/subject");
        Assert.Equal("unknown-field", unknown.Code);
        Assert.Empty((await _host.Client.GetObjectAsync("notification-triggers"))["items"]!.AsArray());

        var unknownField = await (
            await _host.Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """{"key":"ok","on":{"kind":"content","contentType":"order","change":"created"},"channels":["email"],"templates":[{"channel":"email","body":"{{ document.items[0].colour }}"}]}"""
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal("/templates/0/body", Assert.Single(unknownField.Errors()).Path);
        await _host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """{"key":"ok","on":{"kind":"content","contentType":"order","change":"created"},"channels":["email"],"templates":[{"channel":"email","body":"{{ document.items[0].sku }} {{ customer.preferences.language }}"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Should_send_no_email_to_a_customer_who_opted_out_of_email_and_log_why()
    {
        var customer = await _host.Client.CreateCustomerAsync("optout");
        var preferences = await (
            await _host
                .Client.PutAsync(
                    $"customers/{customer}/notification-preferences",
                    HttpAssertions.Json(
                        """{"channels":{"email":false},"source":"web-form","evidence":"Unticked 'E-mail me' on the account page"}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.False(preferences["channels"]!["email"]!.GetValue<bool>());
        var consent = Assert.Single(preferences["consents"]!.AsArray())!;
        Assert.Equal("channel:email", consent["scope"]!.GetValue<string>());
        Assert.Equal("Unticked 'E-mail me' on the account page", consent["evidence"]!.GetValue<string>());

        // Even a critical transactional message does not pass an opt-out of the channel itself.
        var result = await (
            await _host
                .Client.PostAsync(
                    $"customers/{customer}/notifications",
                    HttpAssertions.Json(
                        """{"channel":"email","subject":"Your order","body":"Thanks","critical":true,"idempotencyKey":"o-1"}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("suppressed", result["status"]!.GetValue<string>());
        Assert.Equal("preference: the customer opted out of channel email", result["reason"]!.GetValue<string>());
        var entry = Assert.Single((await _host.Client.GetObjectAsync($"customers/{customer}/notifications"))["items"]!.AsArray())!;
        Assert.Equal("suppressed", entry["status"]!.GetValue<string>());
        Assert.Equal("preference: the customer opted out of channel email", entry["reason"]!.GetValue<string>());
        // The inbox is another channel: still allowed.
        var inbox = await (
            await _host
                .Client.PostAsync(
                    $"customers/{customer}/notifications",
                    HttpAssertions.Json("""{"channel":"inbox","body":"Thanks","idempotencyKey":"o-1"}""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("delivered", inbox["status"]!.GetValue<string>());
        Assert.Empty(_smtp.To($"{customer}@example.com"));

        var bad = await (
            await _host.Client.PutAsync(
                $"customers/{customer}/notification-preferences",
                HttpAssertions.Json("""{"channels":{"email":"no"},"quietHours":{"start":"25:00","end":"07:00"},"maxPerDay":0,"colour":1}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(
            new HashSet<string> { "/channels/email", "/quietHours/start", "/maxPerDay", "/colour" },
            bad.Errors().Select(e => e.Path).ToHashSet()
        );
    }

    [Fact]
    public async Task Should_carry_a_signed_one_click_unsubscribe_link_that_opts_the_customer_out_of_the_topic()
    {
        var customer = await _host.Client.CreateCustomerAsync("unsub");
        await _host
            .Client.PostAsync(
                $"customers/{customer}/notifications",
                HttpAssertions.Json("""{"channel":"email","subject":"News","body":"This week","topic":"news","idempotencyKey":"n-1"}""")
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        await SegmentApi.UntilAsync(() => Task.FromResult(_smtp.To($"{customer}@example.com").Count == 1), "the newsletter");
        var headers = _smtp.To($"{customer}@example.com")[0]["headers"]!;
        Assert.Equal("List-Unsubscribe=One-Click", headers["list-unsubscribe-post"]!.GetValue<string>());
        var link = headers["list-unsubscribe"]!.GetValue<string>();
        var url = new Uri(System.Text.RegularExpressions.Regex.Match(link, "https://[^>\"]+").Value);
        Assert.Equal("cx.example.com", url.Host);

        using var anonymous = new HttpClient { BaseAddress = _host.Client.BaseAddress };
        var path = url.PathAndQuery.Replace("/api/v1/", "", StringComparison.Ordinal);
        var tampered = path.Replace("topic=news", "topic=orders", StringComparison.Ordinal);
        await (await anonymous.PostAsync(tampered, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        var done = await (
            await anonymous
                .PostAsync(path, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("news", done["topic"]!.GetValue<string>());

        var next = await (
            await _host
                .Client.PostAsync(
                    $"customers/{customer}/notifications",
                    HttpAssertions.Json("""{"channel":"email","subject":"News","body":"Next week","topic":"news","idempotencyKey":"n-2"}""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("preference: the customer opted out of topic news", next["reason"]!.GetValue<string>());
        var critical = await (
            await _host
                .Client.PostAsync(
                    $"customers/{customer}/notifications",
                    HttpAssertions.Json(
                        """{"channel":"email","subject":"Security","body":"New sign-in","topic":"news","critical":true,"idempotencyKey":"n-3"}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("delivered", critical["status"]!.GetValue<string>());
        var consents = (await _host.Client.GetObjectAsync($"customers/{customer}/notification-preferences"))["consents"]!.AsArray();
        Assert.Equal("one-click-unsubscribe", Assert.Single(consents)!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_preview_a_trigger_for_a_real_customer_in_their_language_and_say_whether_it_would_send()
    {
        await _host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    OrderTrigger.Replace("\"order-confirmation\"", "\"order-preview\",\"enabled\":false", StringComparison.Ordinal)
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var customer = await _host.Client.CreateCustomerAsync("pv", "\"name\":\"Inês\",\"preferences\":{\"language\":\"pt-BR\"}");
        var order = await (
            await _host.Client.PostAsync("content/order", HttpAssertions.Json(Order(customer, "P-7"))).ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();

        var preview = await (
            await _host
                .Client.PostAsync(
                    "notification-triggers/order-preview/preview",
                    HttpAssertions.Json($$"""{"customerId":"{{customer}}","documentId":"{{order["id"]}}"}""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var item = Assert.Single(preview["items"]!.AsArray())!;
        Assert.Equal("email", item["channel"]!.GetValue<string>());
        Assert.Equal("pt", item["language"]!.GetValue<string>());
        Assert.Equal("Encomenda P-7 confirmada", item["subject"]!.GetValue<string>());
        Assert.Equal("Olá Inês.", item["body"]!.GetValue<string>());
        Assert.Equal($"{customer}@example.com", item["to"]!.GetValue<string>());
        Assert.False(item["wouldSend"]!.GetValue<bool>());
        Assert.StartsWith("disabled", item["reason"]!.GetValue<string>());
        Assert.Empty(_smtp.To($"{customer}@example.com"));

        await _host
            .Client.PostAsync("notification-triggers/order-preview/preview", HttpAssertions.Json("""{"customerId":"nobody-here"}"""))
            .ShouldBeAsync(HttpStatusCode.NotFound);
        var bad = await (
            await _host.Client.PostAsync("notification-triggers/order-preview/preview", HttpAssertions.Json("""{"customer":"x"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(new HashSet<string> { "/customer", "/customerId" }, bad.Errors().Select(e => e.Path).ToHashSet());
    }

    [Fact]
    public async Task Should_fire_event_and_segment_triggers_from_the_event_stream_once_per_event()
    {
        await _host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """
                    {"key":"cart-reminder","on":{"kind":"event","eventType":"cart_abandoned"},"channels":["inbox"],"topic":"marketing",
                     "templates":[{"channel":"inbox","subject":"Your cart","body":"{{ event.properties.items }} item(s) are waiting."}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """
                    {"key":"welcome-vip","on":{"kind":"segment","segment":"vip-notify","transition":"entered"},"channels":["inbox"],
                     "templates":[{"channel":"inbox","subject":"Welcome to {{ segment }}","body":"Hi {{ customer.name }}."}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _host.Client.CreateSegmentAsync("vip-notify", """{"field":"loyaltyTier","op":"eq","value":"platinum"}""");
        await _host.Client.WaitForRecomputeAsync("vip-notify", 1);

        var shopper = await _host.Client.CreateCustomerAsync("cart");
        await _host.Client.PostEventsAsync(
            $$$"""{"type":"cart_abandoned","customerId":"{{{shopper}}}","properties":{"cartId":"c-1","items":3,"value":42.5,"currency":"EUR"}}"""
        );
        var vip = await _host.Client.CreateCustomerAsync("vip", "\"name\":\"Vera\",\"loyaltyTier\":\"platinum\"");

        await SegmentApi.UntilAsync(
            async () => (await _host.Client.GetObjectAsync($"customers/{shopper}/inbox"))["items"]!.AsArray().Count > 0,
            "the cart reminder"
        );
        await SegmentApi.UntilAsync(
            async () => (await _host.Client.GetObjectAsync($"customers/{vip}/inbox"))["items"]!.AsArray().Count > 0,
            "the segment welcome"
        );
        // Later batches of other events do not fire the trigger again for the same event.
        await _host.Client.PostEventsAsync($$"""{"type":"page_view","customerId":"{{shopper}}","page":"/home"}""");
        await _host.Client.WaitForProcessingAsync();
        await SegmentApi.UntilAsync(() => Task.FromResult(ActiveQueueMessages() == 0), "an idle notifications queue");

        var reminder = Assert.Single((await _host.Client.GetObjectAsync($"customers/{shopper}/inbox"))["items"]!.AsArray())!;
        Assert.Equal("3 item(s) are waiting.", reminder["body"]!.GetValue<string>());
        var welcome = Assert.Single((await _host.Client.GetObjectAsync($"customers/{vip}/inbox"))["items"]!.AsArray())!;
        Assert.Equal("Welcome to vip-notify", welcome["subject"]!.GetValue<string>());
        Assert.Equal("Hi Vera.", welcome["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_dry_run_a_trigger_over_a_customers_past_events_sending_queueing_and_logging_nothing()
    {
        var shopper = await _host.Client.CreateCustomerAsync("dry");
        await _host.Client.PostEventsAsync($$$"""{"type":"cart_abandoned","customerId":"{{{shopper}}}","properties":{"items":1}}""");
        await _host.Client.PostEventsAsync($$$"""{"type":"cart_abandoned","customerId":"{{{shopper}}}","properties":{"items":2}}""");
        await _host.Client.WaitForProcessingAsync();
        // The trigger is created after the events: they never fired it, so only the dry run renders them.
        await _host
            .Client.PostAsync(
                "notification-triggers",
                HttpAssertions.Json(
                    """
                    {"key":"dry-cart","on":{"kind":"event","eventType":"cart_abandoned"},"channels":["inbox","email"],"topic":"marketing",
                     "templates":[{"channel":"inbox","subject":"Your cart","body":"{{ event.properties.items }} item(s) are waiting."},
                                  {"channel":"email","subject":"Your cart","body":"Come back."}]}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _host
            .Client.PutAsync($"customers/{shopper}/notification-preferences", HttpAssertions.Json("""{"channels":{"email":false}}"""))
            .ShouldBeAsync(HttpStatusCode.OK);

        var result = await (
            await _host
                .Client.PostAsync("notification-triggers/dry-cart/dry-run", HttpAssertions.Json($$"""{"customerId":"{{shopper}}"}"""))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

        var causes = result["causes"]!.AsArray();
        Assert.Equal(2, causes.Count);
        Assert.All(causes, c => Assert.Equal("event", c!["kind"]!.GetValue<string>()));
        Assert.All(causes, c => Assert.StartsWith("event:", c!["causeId"]!.GetValue<string>(), StringComparison.Ordinal));
        var inboxes = causes.Select(c => c!["channels"]!.AsArray().Single(ch => ch!["channel"]!.GetValue<string>() == "inbox")!).ToList();
        Assert.Equal(
            ["1 item(s) are waiting.", "2 item(s) are waiting."],
            inboxes.Select(i => i["body"]!.GetValue<string>()).Order(StringComparer.Ordinal)
        );
        Assert.All(inboxes, i => Assert.True(i["wouldSend"]!.GetValue<bool>()));
        Assert.All(inboxes, i => Assert.Null(i["logged"]));
        Assert.All(inboxes, i => Assert.Matches("^ntf_[0-9a-f]{32}$", i["deliveryId"]!.GetValue<string>()));
        var email = causes[0]!["channels"]!.AsArray().Single(c => c!["channel"]!.GetValue<string>() == "email")!;
        Assert.False(email["wouldSend"]!.GetValue<bool>());
        Assert.Equal("preference: the customer opted out of channel email", email["reason"]!.GetValue<string>());

        // Nothing was sent, queued or logged.
        Assert.Empty((await _host.Client.GetObjectAsync($"customers/{shopper}/inbox"))["items"]!.AsArray());
        Assert.Empty((await _host.Client.GetObjectAsync($"customers/{shopper}/notifications"))["items"]!.AsArray());
        Assert.Equal(0, ActiveQueueMessages());
        Assert.Empty(_smtp.To($"{shopper}@example.com"));

        // Bad input: every problem with its path; unknown trigger or customer: 404.
        var problem = await (
            await _host.Client.PostAsync(
                "notification-triggers/dry-cart/dry-run",
                HttpAssertions.Json($$"""{"customerId":"{{shopper}}","limit":0,"since":"yesterday"}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal(["/limit", "/since"], problem.Errors().Select(e => e.Path).Order(StringComparer.Ordinal));
        await (
            await _host.Client.PostAsync("notification-triggers/dry-cart/dry-run", HttpAssertions.Json("""{"limit":51}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await (
            await _host.Client.PostAsync("notification-triggers/nope/dry-run", HttpAssertions.Json($$"""{"customerId":"{{shopper}}"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (
            await _host.Client.PostAsync("notification-triggers/dry-cart/dry-run", HttpAssertions.Json("""{"customerId":"nobody"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    private long ActiveQueueMessages()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cx.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM queue_messages WHERE state = 0 AND queue = 'notifications'";
        return (long)command.ExecuteScalar()!;
    }

    private Task UntilHookPassedAsync(string container, string id) => UntilHookPassedAsync(_data, container, id);

    /// <summary>Polls the store until the notifications hook's checkpoint has passed every change of the document.</summary>
    internal static Task UntilHookPassedAsync(string data, string container, string id) =>
        SegmentApi.UntilAsync(
            () =>
            {
                using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "cx.db")};Mode=ReadOnly;Pooling=False");
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText =
                    "SELECT (SELECT CAST(position AS INTEGER) FROM checkpoints WHERE consumer = 'hook:notifications') "
                    + ">= (SELECT max(seq) FROM changes WHERE container = $container AND id = $id)";
                command.Parameters.AddWithValue("$container", container);
                command.Parameters.AddWithValue("$id", id);
                return Task.FromResult(command.ExecuteScalar() is 1L);
            },
            "the notifications hook to pass the document's changes"
        );
}
