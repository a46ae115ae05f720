using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Support;

/// <summary>The support model over HTTP: the ticket workflow, who may see what, and the agent's context call.</summary>
public sealed class SupportTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private const string MergePatch = "application/merge-patch+json";

    /// <summary>The workflow, written out here independently of the product's table.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["new"] = ["open", "closed"],
        ["open"] = ["awaiting_customer", "resolved"],
        ["awaiting_customer"] = ["open", "resolved"],
        ["resolved"] = ["open", "closed"],
        ["closed"] = [],
    };

    /// <summary>A legal path from new to each status.</summary>
    private static readonly Dictionary<string, string[]> PathTo = new()
    {
        ["new"] = [],
        ["open"] = ["open"],
        ["awaiting_customer"] = ["open", "awaiting_customer"],
        ["resolved"] = ["open", "resolved"],
        ["closed"] = ["open", "resolved", "closed"],
    };

    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly HttpClient _agent = host.CreateClientFor(Roles.SupportAgent);

    private async Task<string> CreateCustomerAsync()
    {
        var id = "sup-" + Guid.NewGuid().ToString("n")[..10];
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com","name":"Ada"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return id;
    }

    private async Task<JsonObject> CreateTicketAsync(string customerId, string subject = "Parcel late")
    {
        var response = await _agent
            .PostAsync($"customers/{customerId}/tickets", HttpAssertions.Json($$"""{"subject":"{{subject}}","channel":"email"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return await response.ReadObjectAsync();
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string customerId, string ticketId, string json) =>
        client.SendAsync(
            new HttpRequestMessage(HttpMethod.Patch, $"customers/{customerId}/tickets/{ticketId}")
            {
                Content = HttpAssertions.Json(json, MergePatch),
            }
        );

    [Fact]
    public async Task Should_open_a_ticket_as_new_for_the_customer_of_the_url()
    {
        var customer = await CreateCustomerAsync();
        var ticket = await CreateTicketAsync(customer);
        Assert.Equal("new", ticket["status"]!.GetValue<string>());
        Assert.Equal(customer, ticket["customer"]!.GetValue<string>());
        Assert.Equal("normal", ticket["priority"]!.GetValue<string>());
        Assert.NotNull(ticket["openedAt"]);
    }

    [Fact]
    public async Task Should_refuse_every_illegal_transition_and_write_nothing()
    {
        var customer = await CreateCustomerAsync();
        var refused = 0;
        foreach (var (from, allowed) in Allowed)
        {
            foreach (var to in Allowed.Keys.Where(s => s != from && !allowed.Contains(s)))
            {
                var ticket = await CreateTicketAsync(customer, $"{from} to {to}");
                var id = ticket["id"]!.GetValue<string>();
                foreach (var step in PathTo[from])
                {
                    await PatchAsync(_agent, customer, id, $$"""{"status":"{{step}}"}""").ShouldBeAsync(HttpStatusCode.OK);
                }
                var before = await _agent.GetAsync($"customers/{customer}/tickets/{id}").ShouldBeAsync(HttpStatusCode.OK);
                var problem = await (
                    await PatchAsync(_agent, customer, id, $$"""{"status":"{{to}}","priority":"urgent"}""")
                ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invalid-transition");
                Assert.Equal([("pointer", "/status", "transition")], problem.Errors());
                var detail = problem["errors"]![0]!["detail"]!.GetValue<string>();
                Assert.All(allowed, s => Assert.Contains(s, detail, StringComparison.Ordinal));
                var after = await _agent.GetAsync($"customers/{customer}/tickets/{id}").ShouldBeAsync(HttpStatusCode.OK);
                Assert.Equal(before.Headers.ETag, after.Headers.ETag);
                var stored = await after.ReadObjectAsync();
                Assert.Equal(from, stored["status"]!.GetValue<string>());
                Assert.Equal("normal", stored["priority"]!.GetValue<string>());
                refused++;
            }
        }
        Assert.Equal(12, refused);
    }

    [Fact]
    public async Task Should_allow_every_legal_transition()
    {
        var customer = await CreateCustomerAsync();
        foreach (var (from, allowed) in Allowed)
        {
            foreach (var to in allowed)
            {
                var id = (await CreateTicketAsync(customer))["id"]!.GetValue<string>();
                foreach (var step in PathTo[from].Append(to))
                {
                    await PatchAsync(_agent, customer, id, $$"""{"status":"{{step}}"}""").ShouldBeAsync(HttpStatusCode.OK);
                }
                var stored = await (await _agent.GetAsync($"customers/{customer}/tickets/{id}")).ReadObjectAsync();
                Assert.Equal(to, stored["status"]!.GetValue<string>());
            }
        }
    }

    [Fact]
    public async Task Should_refuse_bad_ticket_input_naming_the_field()
    {
        var customer = await CreateCustomerAsync();
        var startOpen = await (
            await _agent.PostAsync($"customers/{customer}/tickets", HttpAssertions.Json("""{"subject":"x","status":"open"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "invalid-transition");
        Assert.Equal("/status", startOpen.Errors()[0].Path);
        var forged = await (
            await _agent.PostAsync($"customers/{customer}/tickets", HttpAssertions.Json("""{"subject":"x","customer":"someone-else"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal([("pointer", "/customer", "read-only")], forged.Errors());
        var noSubject = await (
            await _agent.PostAsync($"customers/{customer}/tickets", HttpAssertions.Json("""{"channel":"email"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(noSubject.Errors(), e => e.Path == "/subject");
        await (await _agent.PostAsync("customers/nobody-here/tickets", HttpAssertions.Json("""{"subject":"x"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );

        var id = (await CreateTicketAsync(customer))["id"]!.GetValue<string>();
        var bogus = await (await PatchAsync(_agent, customer, id, """{"status":"bogus"}""")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(bogus.Errors(), e => e.Path == "/status");
        var removed = await (await PatchAsync(_agent, customer, id, """{"status":null}""")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(removed.Errors(), e => e.Path == "/status");
        var moved = await (await PatchAsync(_agent, customer, id, """{"customer":"someone-else"}""")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(moved.Errors(), e => e.Path == "/customer");
        var stored = await (await _agent.GetAsync($"customers/{customer}/tickets/{id}")).ReadObjectAsync();
        Assert.Equal(("new", customer), (stored["status"]!.GetValue<string>(), stored["customer"]!.GetValue<string>()));

        // The generic content API cannot write tickets, so it cannot skip the workflow.
        await (
            await _admin.PostAsync("content/support-ticket", HttpAssertions.Json($$"""{"subject":"x","status":"closed"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "system-written");
    }

    [Fact]
    public async Task Should_let_agents_work_tickets_and_customers_only_read_their_own()
    {
        var a = await CreateCustomerAsync();
        var b = await CreateCustomerAsync();
        var ticketA = (await CreateTicketAsync(a))["id"]!.GetValue<string>();
        var ticketB = (await CreateTicketAsync(b))["id"]!.GetValue<string>();
        await PatchAsync(_agent, a, ticketA, """{"status":"open","assignee":"agent@example.com"}""").ShouldBeAsync(HttpStatusCode.OK);

        var customerA = host.CreateClientFor(Roles.Customer, a);
        var list = await (await customerA.GetAsync($"customers/{a}/tickets").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal([ticketA], list["items"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()));
        await customerA.GetAsync($"customers/{a}/tickets/{ticketA}").ShouldBeAsync(HttpStatusCode.OK);
        // Another customer's ticket is not found under one's own id, and forbidden under theirs.
        await (await customerA.GetAsync($"customers/{a}/tickets/{ticketB}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await customerA.GetAsync($"customers/{b}/tickets/{ticketB}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customerA.GetAsync($"customers/{b}/tickets")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customerA.GetAsync("content/support-ticket")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        // Customers read tickets; they do not change them or open them here.
        await (await PatchAsync(customerA, a, ticketA, """{"status":"resolved"}""")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await (await customerA.PostAsync($"customers/{a}/tickets", HttpAssertions.Json("""{"subject":"x"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await (await customerA.GetAsync($"customers/{a}/support-context")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        // Marketers and editors do not see tickets.
        var marketer = host.CreateClientFor(Roles.Marketer);
        await (await marketer.GetAsync($"customers/{a}/tickets")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await marketer.GetAsync("content/support-ticket")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var stored = await (await _agent.GetAsync($"customers/{a}/tickets/{ticketA}")).ReadObjectAsync();
        Assert.Equal("open", stored["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_the_whole_support_context_in_one_call()
    {
        var customer = await CreateCustomerAsync();
        var other = await CreateCustomerAsync();
        var open = (await CreateTicketAsync(customer, "Still open"))["id"]!.GetValue<string>();
        var done = (await CreateTicketAsync(customer, "Done"))["id"]!.GetValue<string>();
        await CreateTicketAsync(other, "Someone else's");
        await PatchAsync(_agent, customer, done, """{"status":"open"}""").ShouldBeAsync(HttpStatusCode.OK);
        await PatchAsync(_agent, customer, done, """{"status":"resolved"}""").ShouldBeAsync(HttpStatusCode.OK);
        await _agent
            .PostAsync(
                $"customers/{customer}/interactions",
                HttpAssertions.Json($$"""{"kind":"call","ticket":"{{open}}","summary":"Called about the parcel"}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var self = host.CreateClientFor(Roles.Customer, customer);
        await self.PostAsync($"customers/{customer}/self-service-events", HttpAssertions.Json("""{"kind":"helped","article":"returns"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin.PostEventsAsync(
            new JsonObject
            {
                ["type"] = "page_view",
                ["customerId"] = customer,
                ["timestamp"] = TimeProvider.System.GetUtcNow().ToString("O"),
            }
        );
        await _admin.WaitForProcessingAsync();
        async Task<string> Order(string owner, string number, decimal total)
        {
            var body =
                $$"""{"customer":"{{owner}}","number":"{{number}}","items":[{"sku":"A-1","name":"Mug","quantity":1,"unitPrice":{{total}}}],"subtotal":{{total}},"total":{{total}},"currency":"EUR"}""";
            var created = await (
                await _admin.PostAsync("content/order", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.Created)
            ).ReadObjectAsync();
            return created["id"]!.GetValue<string>();
        }
        var first = await Order(customer, "A-1", 15m);
        var second = await Order(customer, "A-2", 42.5m);
        await Order(other, "B-1", 99m);
        await _admin
            .SendAsync(
                new HttpRequestMessage(HttpMethod.Patch, $"content/order/{first}")
                {
                    Content = HttpAssertions.Json("""{"status":"shipped"}""", MergePatch),
                }
            )
            .ShouldBeAsync(HttpStatusCode.OK);

        var context = await (
            await _agent.GetAsync($"customers/{customer}/support-context").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(customer, context["profile"]!["id"]!.GetValue<string>());
        // The customer's orders only, newest first, with status and totals.
        Assert.Equal(
            [(second, "A-2", "pending", 42.5m, "EUR"), (first, "A-1", "shipped", 15m, "EUR")],
            context["orders"]!
                .AsArray()
                .Select(o =>
                    (
                        o!["id"]!.GetValue<string>(),
                        o["number"]!.GetValue<string>(),
                        o["status"]!.GetValue<string>(),
                        o["total"]!.GetValue<decimal>(),
                        o["currency"]!.GetValue<string>()
                    )
                )
        );
        Assert.Equal([open], Ids(context["openTickets"]));
        Assert.Equal([done], Ids(context["pastTickets"]));
        var interaction = Assert.Single(context["interactions"]!.AsArray())!;
        Assert.Equal(("call", open), (interaction["kind"]!.GetValue<string>(), interaction["ticket"]!.GetValue<string>()));
        Assert.Equal("helped", Assert.Single(context["selfService"]!.AsArray())!["kind"]!.GetValue<string>());
        Assert.Equal("page_view", Assert.Single(context["timeline"]!.AsArray())!["type"]!.GetValue<string>());

        await (await _agent.GetAsync("customers/nobody-here/support-context")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _agent.GetAsync($"customers/{customer}/support-context?x=1")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
    }

    [Fact]
    public async Task Should_refuse_an_interaction_on_another_customers_ticket()
    {
        var a = await CreateCustomerAsync();
        var b = await CreateCustomerAsync();
        var ticketB = (await CreateTicketAsync(b))["id"]!.GetValue<string>();
        var problem = await (
            await _agent.PostAsync($"customers/{a}/interactions", HttpAssertions.Json($$"""{"kind":"note","ticket":"{{ticketB}}"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Equal("/ticket", problem.Errors()[0].Path);
        var bad = await (
            await _agent.PostAsync($"customers/{a}/interactions", HttpAssertions.Json("""{"kind":"fax"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(bad.Errors(), e => e.Path == "/kind");
        var context = await (await _agent.GetAsync($"customers/{a}/support-context")).ReadObjectAsync();
        Assert.Empty(context["interactions"]!.AsArray());
    }

    [Fact]
    public async Task Should_refuse_a_change_based_on_a_stale_version_and_let_agents_read_through_the_content_api()
    {
        var customer = await CreateCustomerAsync();
        var id = (await CreateTicketAsync(customer))["id"]!.GetValue<string>();
        var first = await _agent.GetAsync($"customers/{customer}/tickets/{id}").ShouldBeAsync(HttpStatusCode.OK);
        var stale = first.Headers.ETag!.ToString();
        await PatchAsync(_agent, customer, id, """{"status":"open"}""").ShouldBeAsync(HttpStatusCode.OK);

        var request = new HttpRequestMessage(HttpMethod.Patch, $"customers/{customer}/tickets/{id}")
        {
            Content = HttpAssertions.Json("""{"status":"awaiting_customer"}""", MergePatch),
        };
        request.Headers.TryAddWithoutValidation("If-Match", stale);
        await (await _agent.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");

        var stored = await (await _agent.GetAsync($"content/support-ticket/{id}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("open", stored["status"]!.GetValue<string>());
    }

    private static List<string> Ids(JsonNode? array) => [.. array!.AsArray().Select(t => t!["id"]!.GetValue<string>())];
}
