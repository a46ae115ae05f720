using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Privacy;

/// <summary>
/// Erasure over HTTP: a customer with a profile, a ticket, feedback, notification preferences,
/// events of their own and of an identified anonymous id; a second customer as a control. After
/// the erasure no read path returns the first one's personal data, and the aggregates are unchanged.
/// </summary>
public sealed class ErasureRequestTests(EventsHostFactory host) : IClassFixture<EventsHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed record Person(
        string Id,
        string Email,
        string Name,
        string Phone,
        string Anonymous,
        string TicketText,
        string FeedbackText,
        string TicketId
    )
    {
        /// <summary>The personal values (the id itself is checked apart: a path that names it may echo it).</summary>
        public IEnumerable<string> Secrets => [Email, Name, Phone, Anonymous, TicketText, FeedbackText];
    }

    private sealed record Answer(string Path, int Status, string Body);

    private async Task<Person> CreateAsync(string tag)
    {
        var id = $"era-{tag}-{Guid.NewGuid().ToString("n")[..8]}";
        var person = new Person(
            id,
            $"{id}@example.com",
            $"Name {id}",
            $"+351 9{Random.Shared.Next(10_000_000, 99_999_999)}",
            $"anon-{id}",
            $"Door code of {id} is 4711",
            $"{id} wants a refund",
            ""
        );
        await _admin
            .PostAsync(
                "customers",
                HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{person.Email}}","name":"{{person.Name}}","phone":"{{person.Phone}}"}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var ticket = await (
            await _admin
                .PostAsync(
                    $"customers/{id}/tickets",
                    HttpAssertions.Json($$"""{"subject":"Help {{person.Name}}","description":"{{person.TicketText}}"}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        await host.CreateClientFor(Roles.Customer, id)
            .PostAsync($"customers/{id}/feedback", HttpAssertions.Json($$"""{"nps":9,"text":"{{person.FeedbackText}}"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin
            .PutAsync(
                $"customers/{id}/notification-preferences",
                HttpAssertions.Json("""{"channels":{"email":false},"source":"web-form","evidence":"Unticked the box"}""")
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        var now = TimeProvider.System.GetUtcNow();
        await _admin.PostEventsAsync(
            Batch(
                Event("erasure_probe", id, null, now.AddMinutes(-3), null, new JsonObject { ["email"] = person.Email }),
                Event("erasure_probe", id, null, now.AddMinutes(-2), null),
                Event("erasure_probe", null, person.Anonymous, now.AddMinutes(-4), null)
            )
        );
        await _admin
            .PostAsync("identify", HttpAssertions.Json($$"""{"anonymousId":"{{person.Anonymous}}","customerId":"{{id}}"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        await _admin.WaitForProcessingAsync();
        return person with { TicketId = ticket["id"]!.GetValue<string>() };
    }

    /// <summary>Every read path that can name a customer, as the texts they answer (status included).</summary>
    private async Task<List<Answer>> ReadEverythingAsync(Person person)
    {
        var id = person.Id;
        var texts = new List<Answer>();
        string[] paths =
        [
            $"customers/{id}",
            $"customers?filter[email]={Uri.EscapeDataString(person.Email)}",
            "customers?limit=200",
            "customers/export?format=ndjson",
            "customers/export?format=csv",
            $"customers/{id}/tickets",
            $"customers/{id}/timeline",
            $"customers/{id}/support-context",
            $"customers/{id}/inbox",
            $"customers/{id}/notifications",
            $"customers/{id}/notification-preferences",
            $"customers/{id}/personal-data",
            $"customers/{id}/behavior?event=erasure_probe&aggregate=count&window=P1D",
            $"content/support-ticket/{person.TicketId}",
            "content/support-ticket?limit=200",
            "content/feedback?limit=200",
            "content/support-ticket/export?format=ndjson",
            "content/feedback/export?format=csv",
        ];
        foreach (var path in paths)
        {
            var response = await _admin.GetAsync(path);
            texts.Add(new(path, (int)response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        var graphql = await _admin
            .PostAsync("graphql", HttpAssertions.Json(new JsonObject { ["query"] = $$"""{ customer(id: "{{id}}") { id email name } }""" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        texts.Add(new("graphql", 200, await graphql.Content.ReadAsStringAsync()));
        return texts;
    }

    private async Task<string> RollupsAsync()
    {
        var today = Today();
        var response = await _admin
            .GetAsync(
                $"analytics/rollups?event=erasure_probe&granularity=day&from={Instant(today.AddDays(-1))}&to={Instant(today.AddDays(2))}"
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Should_leave_no_personal_data_on_any_read_path_and_keep_the_aggregates()
    {
        var alice = await CreateAsync("a");
        var bob = await CreateAsync("b");
        var before = await ReadEverythingAsync(alice);
        // The read paths do return Alice's data before: each secret is found somewhere, so the check below can fail.
        foreach (var secret in alice.Secrets.Where(s => s != alice.Anonymous))
        {
            Assert.Contains(before, t => t.Body.Contains(secret, StringComparison.Ordinal));
        }
        Assert.Contains(before, t => t.Path == "graphql" && t.Body.Contains(alice.Email, StringComparison.Ordinal));
        Assert.Contains(before, t => t.Path == "customers?limit=200" && t.Body.Contains(alice.Id, StringComparison.Ordinal));
        var rollups = await RollupsAsync();

        var response = await _admin
            .PostAsync($"customers/{alice.Id}/erasure", HttpAssertions.Json(new JsonObject { ["confirm"] = alice.Id }))
            .ShouldBeAsync(HttpStatusCode.OK);
        var proof = await response.ReadObjectAsync();
        Assert.Equal(Sha256(alice.Id), proof["customerIdSha256"]!.GetValue<string>());
        Assert.StartsWith("staff:", proof["erasedBy"]!.GetValue<string>(), StringComparison.Ordinal);
        var steps = proof["steps"]!.AsArray().ToDictionary(s => s!["store"]!.GetValue<string>(), s => s!.AsObject());
        Assert.Equal(1, steps["content/support-ticket"]["count"]!.GetValue<int>());
        Assert.Equal(1, steps["content/feedback"]["count"]!.GetValue<int>());
        Assert.Equal("deleted", steps["profile"]["action"]!.GetValue<string>());
        Assert.Equal(2, steps["analytics"]["count"]!.GetValue<int>());
        Assert.Equal([Sha256(alice.Anonymous)], steps["analytics"]["hashes"]!.AsArray().Select(h => h!.GetValue<string>()));
        Assert.Equal(1, steps["notification-preferences"]["count"]!.GetValue<int>());
        // The stores behind ports (ADR 0454): each embedded adapter erases; the raw event log held Alice's three events.
        Assert.Equal("deleted", steps["decision-log"]["action"]!.GetValue<string>());
        Assert.Equal("payloads-erased", steps["webhook-deliveries"]["action"]!.GetValue<string>());
        Assert.Equal("erased", steps["realtime-channels"]["action"]!.GetValue<string>());
        Assert.Equal("deleted", steps["device-sessions"]["action"]!.GetValue<string>());
        Assert.Equal("pseudonymized", steps["event-log"]["action"]!.GetValue<string>());
        Assert.InRange(steps["event-log"]["count"]!.GetValue<int>(), 1, 2);
        Assert.DoesNotContain(alice.Email, proof.ToJsonString(), StringComparison.Ordinal);

        var after = await ReadEverythingAsync(alice);
        foreach (var secret in alice.Secrets)
        {
            Assert.DoesNotContain(after, t => t.Body.Contains(secret, StringComparison.Ordinal));
        }
        // Paths that do not name the customer never return their id either (lists, exports, GraphQL's data).
        Assert.DoesNotContain(
            after,
            t =>
                !t.Path.Contains(alice.Id, StringComparison.Ordinal)
                && t.Path != "graphql"
                && t.Body.Contains(alice.Id, StringComparison.Ordinal)
        );
        Assert.Contains(after, t => t.Path == "graphql" && t.Body.Contains("\"customer\":null", StringComparison.Ordinal));
        Assert.All(
            after.Where(t => t.Path == $"customers/{alice.Id}" || t.Path.EndsWith("/personal-data", StringComparison.Ordinal)),
            t => Assert.Equal(404, t.Status)
        );
        // The records that stay are anonymised, not gone: the ticket keeps its place under the pseudonym.
        var ticket = await (
            await _admin.GetAsync($"content/support-ticket/{alice.TicketId}").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(proof["pseudonym"]!.GetValue<string>(), ticket["customer"]!.GetValue<string>());
        Assert.Equal("[erased]", ticket["description"]!.GetValue<string>());
        Assert.Equal("[erased]", ticket["subject"]!.GetValue<string>());
        Assert.Equal(rollups, await RollupsAsync());

        // Bob is untouched.
        var bobNow = await ReadEverythingAsync(bob);
        foreach (var secret in bob.Secrets.Where(s => s != bob.Anonymous))
        {
            Assert.Contains(bobNow, t => t.Body.Contains(secret, StringComparison.Ordinal));
        }

        // The proof is on the (hash-chained) audit log; a second request finds no one.
        var audit = await (
            await _admin.GetAsync("audit?filter[action]=privacy.erasure").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Contains(audit["items"]!.AsArray(), e => e!["targetId"]!.GetValue<string>() == "sha256:" + Sha256(alice.Id));
        await (
            await _admin.PostAsync($"customers/{alice.Id}/erasure", HttpAssertions.Json(new JsonObject { ["confirm"] = alice.Id }))
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("""{"confirm":"someone-else"}""", "/confirm", "confirm-mismatch")]
    [InlineData("""{}""", "/confirm", "required")]
    [InlineData("""{"confirm":42}""", "/confirm", "required")]
    [InlineData("""{"confirm":"ID","force":true}""", "/force", "unknown-property")]
    public async Task Should_refuse_a_request_that_does_not_confirm_the_customer(string body, string pointer, string code)
    {
        var person = await CreateAsync("x");
        var problem = await (
            await _admin.PostAsync(
                $"customers/{person.Id}/erasure",
                HttpAssertions.Json(body.Replace("ID", person.Id, StringComparison.Ordinal))
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", pointer, code), problem.Errors());
        await _admin.GetAsync($"customers/{person.Id}").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_let_only_admins_erase()
    {
        var person = await CreateAsync("p");
        var body = new JsonObject { ["confirm"] = person.Id };
        await (
            await host.CreateClientFor(Roles.Customer, person.Id).PostAsync($"customers/{person.Id}/erasure", HttpAssertions.Json(body))
        ).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (
            await host.CreateClientFor(Roles.SupportAgent).PostAsync($"customers/{person.Id}/erasure", HttpAssertions.Json(body))
        ).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (
            await _admin.PostAsync("customers/nobody-at-all/erasure", HttpAssertions.Json("""{"confirm":"nobody-at-all"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await _admin.GetAsync($"customers/{person.Id}").ShouldBeAsync(HttpStatusCode.OK);
    }
}
