using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Privacy;

/// <summary>
/// One customer with a profile, a ticket, feedback, events of their own and of an anonymous id
/// they were identified with, and a second customer whose data must never appear in the first one's bundle.
/// </summary>
public sealed class AccessRequestFixture : EventsHostFactory, IAsyncLifetime
{
    public string Alice { get; } = "acc-" + Guid.NewGuid().ToString("n")[..10];

    public string Bob { get; } = "acc-" + Guid.NewGuid().ToString("n")[..10];

    public HttpClient Admin { get; private set; } = null!;

    public string TicketId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Admin = CreateApiClient();
        foreach (var (id, name) in new[] { (Alice, "Alice Example"), (Bob, "Bob Other") })
        {
            await Admin
                .PostAsync(
                    "customers",
                    HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com","name":"{{name}}","phone":"+351 912 345 678"}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created);
            await Admin
                .PostAsync(
                    $"customers/{id}/tickets",
                    HttpAssertions.Json($$"""{"subject":"Parcel for {{name}}","description":"Lives at 1 Main St"}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created);
            await CreateClientFor(Roles.Customer, id)
                .PostAsync($"customers/{id}/feedback", HttpAssertions.Json($$"""{"nps":9,"text":"{{name}} is happy"}"""))
                .ShouldBeAsync(HttpStatusCode.Created);
        }
        var tickets = await (await Admin.GetAsync($"customers/{Alice}/tickets").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        TicketId = tickets["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        var now = TimeProvider.System.GetUtcNow();
        await Admin.PostEventsAsync(
            Batch(
                Event("page_view", Alice, null, now.AddMinutes(-3), "ev-" + Alice + "-1", new JsonObject { ["path"] = "/a" }),
                Event("page_view", Alice, null, now.AddMinutes(-2), "ev-" + Alice + "-2"),
                Event("page_view", null, "anon-" + Alice, now.AddMinutes(-5), "ev-" + Alice + "-anon"),
                Event("page_view", Bob, null, now.AddMinutes(-1), "ev-" + Bob + "-1")
            )
        );
        await Admin
            .PostAsync("identify", HttpAssertions.Json($$"""{"anonymousId":"anon-{{Alice}}","customerId":"{{Alice}}"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        await Admin.WaitForProcessingAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class AccessRequestTests(AccessRequestFixture fixture) : IClassFixture<AccessRequestFixture>
{
    private static List<JsonObject> Section(JsonObject bundle, string name) =>
        [.. bundle["sections"]![name]!.AsArray().Select(i => i!.AsObject())];

    private async Task<JsonObject> BundleAsync(HttpClient client, string customerId)
    {
        var response = await client.GetAsync($"customers/{customerId}/personal-data").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return await response.ReadObjectAsync();
    }

    [Fact]
    public async Task Should_return_everything_held_about_the_customer_and_nothing_about_another()
    {
        var alice = fixture.Alice;
        var bundle = await BundleAsync(fixture.Admin, alice);
        Assert.Equal("cx-personal-data/1", bundle["format"]!.GetValue<string>());
        Assert.Equal(alice, bundle["customerId"]!.GetValue<string>());

        var profile = Assert.Single(Section(bundle, "profile"));
        Assert.Equal($"{alice}@example.com", profile["email"]!.GetValue<string>());
        Assert.Equal("Alice Example", profile["name"]!.GetValue<string>());

        var ticket = Assert.Single(Section(bundle, "content/support-ticket"));
        Assert.Equal(fixture.TicketId, ticket["id"]!.GetValue<string>());
        Assert.Equal("Lives at 1 Main St", ticket["description"]!.GetValue<string>());
        var feedback = Assert.Single(Section(bundle, "content/feedback"));
        Assert.Equal("Alice Example is happy", feedback["text"]!.GetValue<string>());

        // Their own events and those of the anonymous id merged into them, newest first.
        var events = Section(bundle, "events").Select(e => e["id"]!.GetValue<string>()).ToList();
        Assert.Equal([$"ev-{alice}-2", $"ev-{alice}-1", $"ev-{alice}-anon"], events);
        Assert.Equal("/a", Section(bundle, "events")[1]["properties"]!["path"]!.GetValue<string>());
        Assert.Equal($"anon-{alice}", Assert.Single(Section(bundle, "anonymous-ids"))["anonymousId"]!.GetValue<string>());

        // The tags of the content model travel with the bundle.
        var fields = bundle["personalFields"]!
            .AsArray()
            .Select(f => (f!["type"]!.GetValue<string>(), f["path"]!.GetValue<string>(), f["category"]!.GetValue<string>()));
        Assert.Contains(("customer", "email", "contact"), fields);
        Assert.Contains(("support-ticket", "description", "freeText"), fields);
        Assert.Contains(("customer", "preferences.timeZone", "location"), fields);

        // Every section is there, even when empty; nothing of Bob's anywhere.
        foreach (var name in new[] { "notification-preferences", "notification-deliveries", "inbox", "personalization", "audit" })
        {
            Assert.NotNull(bundle["sections"]![name]);
        }
        Assert.DoesNotContain(fixture.Bob, bundle.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_audit_each_access_request_and_list_it_in_the_next_bundle()
    {
        var bob = fixture.Bob;
        await BundleAsync(fixture.Admin, bob);
        var second = await BundleAsync(fixture.Admin, bob);
        var audit = Section(second, "audit");
        Assert.Contains(
            audit,
            a => a["action"]!.GetValue<string>() == "privacy.access-request" && a["targetId"]!.GetValue<string>() == bob
        );
    }

    [Fact]
    public async Task Should_let_a_customer_read_their_own_bundle_only()
    {
        var own = fixture.CreateClientFor(Roles.Customer, fixture.Alice);
        var bundle = await BundleAsync(own, fixture.Alice);
        Assert.Single(Section(bundle, "profile"));
        await (await own.GetAsync($"customers/{fixture.Bob}/personal-data")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var marketer = fixture.CreateClientFor(Roles.Marketer);
        await (await marketer.GetAsync($"customers/{fixture.Alice}/personal-data")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
    }

    [Fact]
    public async Task Should_answer_csv_as_a_zip_with_one_file_per_section()
    {
        var response = await fixture.Admin.GetAsync($"customers/{fixture.Alice}/personal-data?format=csv").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        buffer.Position = 0;
        using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        foreach (
            var name in new[]
            {
                "personal-fields.csv",
                "profile.csv",
                "content-support-ticket.csv",
                "content-feedback.csv",
                "events.csv",
                "audit.csv",
            }
        )
        {
            Assert.Contains(name, names);
        }
        string Read(string name)
        {
            using var reader = new StreamReader(zip.GetEntry(name)!.Open());
            return reader.ReadToEnd();
        }
        var profile = Read("profile.csv").Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, profile.Length);
        var header = profile[0].Split(',');
        Assert.Equal(fixture.Alice + "@example.com", profile[1].Split(',')[Array.IndexOf(header, "email")]);
        var events = Read("events.csv").Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,type,timestamp,receivedAt,customerId,anonymousId,page,properties", events[0]);
        Assert.Equal(4, events.Length);
        Assert.Contains("customer,email,contact", Read("personal-fields.csv"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format=xml", "format", "value")]
    [InlineData("format=json&format=csv", "format", "repeated")]
    [InlineData("limit=5", "limit", "unknown-parameter")]
    public async Task Should_reject_a_bad_query_with_the_parameter(string query, string parameter, string code)
    {
        var problem = await (await fixture.Admin.GetAsync($"customers/{fixture.Alice}/personal-data?{query}")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", parameter, code), problem.Errors());
    }

    [Fact]
    public async Task Should_answer_404_for_an_unknown_customer()
    {
        await (await fixture.Admin.GetAsync("customers/nobody-here/personal-data")).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
    }
}
