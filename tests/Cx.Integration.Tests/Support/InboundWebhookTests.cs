using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Support;

/// <summary>A host with a signing secret for each inbound source the tests use (test values only).</summary>
public sealed class InboundDevHostFactory : DevHostFactory
{
    public const string ZendeskSecret = "zendesk-test-signing-secret";
    public const string IntercomSecret = "intercom-test-client-secret";
    public const string AcmeSecret = "acme-test-secret";

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Inbound:Secrets:zendesk"] = ZendeskSecret,
            ["Cx:Inbound:Secrets:intercom"] = IntercomSecret,
            ["Cx:Inbound:Secrets:acme"] = AcmeSecret,
        };
}

/// <summary>
/// Inbound webhooks over HTTP: Zendesk and Intercom deliveries signed the way each vendor signs,
/// applied once, refused with 401 (and nothing written) when the signature or the time is wrong,
/// and a third vendor added by a mapping document alone.
/// </summary>
public sealed class InboundWebhookTests(InboundDevHostFactory host) : IClassFixture<InboundDevHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly HttpClient _agent = host.CreateClientFor(Roles.SupportAgent);
    private readonly HttpClient _vendor = host.CreateAnonymousClient();

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    private async Task<(string Id, string Email)> CreateCustomerAsync()
    {
        var id = "in-" + Guid.NewGuid().ToString("n")[..10];
        var email = id + "@example.com";
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{email}}","name":"Ada"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return (id, email);
    }

    private async Task<JsonArray> TicketsAsync(string customerId)
    {
        var page = await (await _agent.GetAsync($"customers/{customerId}/tickets").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        return page["items"]!.AsArray();
    }

    private static string ZendeskBody(string customerId, string ticketId, string status, string subject = "Parcel late") =>
        new JsonObject
        {
            ["ticket"] = new JsonObject
            {
                ["id"] = ticketId,
                ["subject"] = subject,
                ["description"] = "Where is it?",
                ["status"] = status,
                ["priority"] = "High",
                ["channel"] = "Mail",
                ["assignee"] = "agent@example.com",
                ["updated_at"] = Now.ToUnixTimeMilliseconds(),
            },
            ["requester"] = new JsonObject { ["external_id"] = customerId, ["email"] = "someone-else@example.com" },
        }.ToJsonString();

    /// <summary>Zendesk's scheme: base64(HMAC-SHA256(secret, timestamp + body)).</summary>
    private static HttpRequestMessage Zendesk(string body, string secret = InboundDevHostFactory.ZendeskSecret, DateTimeOffset? at = null)
    {
        var timestamp = (at ?? Now).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + body))
        );
        var request = Post("inbound/zendesk", body);
        request.Headers.Add("X-Zendesk-Webhook-Signature", signature);
        request.Headers.Add("X-Zendesk-Webhook-Signature-Timestamp", timestamp);
        return request;
    }

    private static HttpRequestMessage Post(string path, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    private static async Task<HttpRequestMessage> CopyAsync(HttpRequestMessage request)
    {
        var copy = Post(request.RequestUri!.ToString(), await request.Content!.ReadAsStringAsync());
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }
        return copy;
    }

    [Fact]
    public async Task Should_turn_a_zendesk_signed_ticket_update_into_one_cx_ticket_even_when_resent()
    {
        var (customer, _) = await CreateCustomerAsync();
        var externalId = Random.Shared.Next(10_000, 99_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var delivery = Zendesk(ZendeskBody(customer, externalId, "Open"));
        var resend = await CopyAsync(delivery);

        var first = await (await _vendor.SendAsync(delivery).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("applied", first["status"]!.GetValue<string>());
        var again = await (await _vendor.SendAsync(resend).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("duplicate", again["status"]!.GetValue<string>());
        Assert.Equal(first["ticketId"]!.GetValue<string>(), again["ticketId"]!.GetValue<string>());

        var tickets = await TicketsAsync(customer);
        var ticket = Assert.Single(tickets)!.AsObject();
        Assert.Equal(first["ticketId"]!.GetValue<string>(), ticket["id"]!.GetValue<string>());
        Assert.Equal("open", ticket["status"]!.GetValue<string>());
        Assert.Equal("high", ticket["priority"]!.GetValue<string>());
        Assert.Equal("email", ticket["channel"]!.GetValue<string>());
        Assert.Equal("Parcel late", ticket["subject"]!.GetValue<string>());
        var external = Assert.Single(ticket["externalIds"]!.AsArray())!;
        Assert.Equal("zendesk", external["system"]!.GetValue<string>());
        Assert.Equal(externalId, external["id"]!.GetValue<string>());

        // A later update of the same Zendesk ticket (a new body) changes that ticket, with Zendesk's status taken as it comes.
        await _vendor.SendAsync(Zendesk(ZendeskBody(customer, externalId, "Solved", "Parcel found"))).ShouldBeAsync(HttpStatusCode.OK);
        var updated = Assert.Single(await TicketsAsync(customer))!.AsObject();
        Assert.Equal("resolved", updated["status"]!.GetValue<string>());
        Assert.Equal("Parcel found", updated["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_a_bad_signature_with_401_problem_and_write_nothing()
    {
        var (customer, _) = await CreateCustomerAsync();
        var body = ZendeskBody(customer, "777", "Open");

        await (await _vendor.SendAsync(Zendesk(body, secret: "not-the-secret"))).ShouldBeProblemAsync(
            HttpStatusCode.Unauthorized,
            "unauthorized"
        );
        // Signed, then changed on the way: the body no longer matches its signature.
        var tampered = Zendesk(body);
        tampered.Content = Post("x", body.Replace("Open", "Closed", StringComparison.Ordinal)).Content;
        await (await _vendor.SendAsync(tampered)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var unsigned = Post("inbound/zendesk", body);
        await (await _vendor.SendAsync(unsigned)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Empty(await TicketsAsync(customer));

        // Nothing was recorded either: the same body, signed properly, is applied (not a duplicate).
        var applied = await (await _vendor.SendAsync(Zendesk(body)).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("applied", applied["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_delivery_signed_more_than_five_minutes_ago()
    {
        var (customer, _) = await CreateCustomerAsync();
        var body = ZendeskBody(customer, "888", "Open");
        await (await _vendor.SendAsync(Zendesk(body, at: Now.AddMinutes(-6)))).ShouldBeProblemAsync(
            HttpStatusCode.Unauthorized,
            "unauthorized"
        );
        await (await _vendor.SendAsync(Zendesk(body, at: Now.AddMinutes(6)))).ShouldBeProblemAsync(
            HttpStatusCode.Unauthorized,
            "unauthorized"
        );
        Assert.Empty(await TicketsAsync(customer));
        await _vendor.SendAsync(Zendesk(body, at: Now.AddMinutes(-4))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Single(await TicketsAsync(customer));
    }

    [Fact]
    public async Task Should_refuse_a_delivery_for_an_unknown_customer_naming_the_payload_pointer_and_write_nothing()
    {
        var body = ZendeskBody("nobody-" + Guid.NewGuid().ToString("n")[..6], "999", "Open");
        var problem = await (await _vendor.SendAsync(Zendesk(body))).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal([("pointer", "/requester/external_id", "customer")], problem.Errors());
    }

    [Fact]
    public async Task Should_answer_404_for_an_unknown_source()
    {
        await (await _vendor.SendAsync(Post("inbound/no-such-tool", "{}"))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_turn_an_intercom_notification_into_a_ticket_and_an_interaction_once()
    {
        var (customer, _) = await CreateCustomerAsync();
        var conversation = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body =
            "{\"type\":\"notification_event\",\"app_id\":\"abc\",\"id\":\"notif_"
            + Guid.NewGuid().ToString("N")
            + "\",\"topic\":\"conversation.user.created\",\"created_at\":"
            + Now.ToUnixTimeSeconds()
            + ",\"data\":{\"type\":\"notification_event_data\",\"item\":{\"type\":\"conversation\",\"id\":\""
            + (conversation)
            + "\",\"title\":null,\"state\":\"open\",\"priority\":\"priority\",\"contacts\":{\"contacts\":[{\"type\":\"contact\",\"id\":\"c1\",\"external_id\":\""
            + (customer)
            + "\"}]},\"source\":{\"body\":\"<p>My order never came</p>\",\"author\":{\"email\":\"x@example.com\"}}}}}";
        HttpRequestMessage Signed(string secret)
        {
            var request = Post("inbound/intercom", body);
#pragma warning disable CA5350 // Intercom's scheme is HMAC-SHA1; the test signs as Intercom does.
            request.Headers.Add(
                "X-Hub-Signature",
                "sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)))
            );
#pragma warning restore CA5350
            return request;
        }

        await (await _vendor.SendAsync(Signed("wrong"))).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var first = await (
            await _vendor.SendAsync(Signed(InboundDevHostFactory.IntercomSecret)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("applied", first["status"]!.GetValue<string>());
        var again = await (
            await _vendor.SendAsync(Signed(InboundDevHostFactory.IntercomSecret)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("duplicate", again["status"]!.GetValue<string>());

        var ticket = Assert.Single(await TicketsAsync(customer))!.AsObject();
        Assert.Equal("Intercom conversation", ticket["subject"]!.GetValue<string>());
        Assert.Equal("open", ticket["status"]!.GetValue<string>());
        Assert.Equal("high", ticket["priority"]!.GetValue<string>());
        Assert.Equal("chat", ticket["channel"]!.GetValue<string>());

        var context = await (
            await _agent.GetAsync($"customers/{customer}/support-context").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var interaction = Assert.Single(context["interactions"]!.AsArray())!.AsObject();
        Assert.Equal(first["interactionId"]!.GetValue<string>(), interaction["id"]!.GetValue<string>());
        Assert.Equal("chat", interaction["kind"]!.GetValue<string>());
        Assert.Equal("inbound", interaction["direction"]!.GetValue<string>());
        Assert.Equal("<p>My order never came</p>", interaction["body"]!.GetValue<string>());
        Assert.Equal(ticket["id"]!.GetValue<string>(), interaction["ticket"]!.GetValue<string>());
        var external = Assert.Single(interaction["externalIds"]!.AsArray())!;
        Assert.Equal("intercom", external["system"]!.GetValue<string>());
        Assert.Equal(conversation, external["id"]!.GetValue<string>());
    }

    private const string AcmeSource = """
        {
          "key": "acme-desk",
          "description": "A third tool, mapped by this document alone.",
          "signature": { "header": "X-Acme-Signature", "algorithm": "sha256", "encoding": "hex", "prefix": "sha256=", "secret": "acme" },
          "deliveryId": "/event_id",
          "timestamp": "/sent_at",
          "customer": { "email": "/case/customer/email" },
          "ticket": {
            "externalId": "/case/number",
            "fields": [
              { "name": "subject", "pointer": "/case/title" },
              { "name": "status", "pointer": "/case/stage", "values": [ { "from": "triage", "to": "new" }, { "from": "working", "to": "open" }, { "from": "done", "to": "resolved" } ] },
              { "name": "channel", "value": "api" }
            ]
          },
          "interaction": {
            "externalId": "/case/number",
            "fields": [ { "name": "kind", "value": "note" }, { "name": "body", "pointer": "/case/last_note" } ]
          }
        }
        """;

    [Fact]
    public async Task Should_accept_a_third_vendor_added_by_a_mapping_document_alone()
    {
        await _admin.PutAsync("inbound-sources/acme-desk", HttpAssertions.Json(AcmeSource));
        var created = await _admin.PostAsync("inbound-sources", HttpAssertions.Json(AcmeSource));
        Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        var stored = await (await _admin.GetAsync("inbound-sources/acme-desk").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("acme", stored["signature"]!["secret"]!.GetValue<string>());
        Assert.DoesNotContain(InboundDevHostFactory.AcmeSecret, stored.ToJsonString(), StringComparison.Ordinal);

        var (customer, email) = await CreateCustomerAsync();
        var body =
            "{\"event_id\":\"ev-"
            + Guid.NewGuid().ToString("N")
            + "\",\"sent_at\":\""
            + Now.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)
            + "\",\"case\":{\"number\":\"A-17\",\"title\":\"Broken hinge\",\"stage\":\"working\",\"last_note\":\"Replacement sent\",\"customer\":{\"email\":\""
            + (email.ToUpperInvariant())
            + "\"}}}";
        HttpRequestMessage Signed()
        {
            var request = Post("inbound/acme-desk", body);
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(InboundDevHostFactory.AcmeSecret), Encoding.UTF8.GetBytes(body));
            request.Headers.Add("X-Acme-Signature", "sha256=" + Convert.ToHexStringLower(mac));
            return request;
        }
        var first = await (await _vendor.SendAsync(Signed()).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("applied", first["status"]!.GetValue<string>());
        Assert.Equal(
            "duplicate",
            (await (await _vendor.SendAsync(Signed()).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync())["status"]!.GetValue<string>()
        );

        var ticket = Assert.Single(await TicketsAsync(customer))!.AsObject();
        Assert.Equal("Broken hinge", ticket["subject"]!.GetValue<string>());
        Assert.Equal("open", ticket["status"]!.GetValue<string>());
        Assert.Equal("api", ticket["channel"]!.GetValue<string>());
        Assert.Equal("acme-desk", ticket["externalIds"]![0]!["system"]!.GetValue<string>());
        Assert.Equal("A-17", ticket["externalIds"]![0]!["id"]!.GetValue<string>());
        var context = await (
            await _agent.GetAsync($"customers/{customer}/support-context").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("Replacement sent", Assert.Single(context["interactions"]!.AsArray())!["body"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_mapping_document_that_breaks_the_rules_naming_each_problem()
    {
        var document = JsonNode.Parse(AcmeSource)!.AsObject();
        document["key"] = "bad-doc";
        document["signature"]!["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/not a name";
        document["signature"]!["algorithm"] = "md5";
        document["timestamp"] = "no-slash";
        document["ticket"]!["fields"]![0]!["name"] = "openedAt";
        var problem = await (await _admin.PostAsync("inbound-sources", HttpAssertions.Json(document))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal(
            [
                ("pointer", "/signature/algorithm", "enum"),
                ("pointer", "/signature/secret", "secret-name"),
                ("pointer", "/ticket/fields", "required-field"),
                ("pointer", "/ticket/fields/0/name", "enum"),
                ("pointer", "/timestamp", "json-pointer"),
            ],
            problem.Errors().OrderBy(e => e.Path, StringComparer.Ordinal)
        );
        await (await _admin.GetAsync("inbound-sources/bad-doc")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_list_the_built_in_sources_without_any_secret()
    {
        var page = await (await _admin.GetAsync("inbound-sources").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var keys = page["items"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()).ToList();
        Assert.Contains("zendesk", keys);
        Assert.Contains("intercom", keys);
        Assert.DoesNotContain(InboundDevHostFactory.ZendeskSecret, page.ToJsonString(), StringComparison.Ordinal);
    }
}
