using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

public sealed class AuditTests(UnlimitedDevHostFactory host) : IClassFixture<UnlimitedDevHostFactory>
{
    private readonly HttpClient _admin = host.CreateClientFor(Roles.Admin, subject: "auditor");

    private async Task<List<JsonObject>> EntriesAsync(string targetId)
    {
        var page = await (
            await _admin.GetAsync($"audit?filter[targetId]={Uri.EscapeDataString(targetId)}&limit=50").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        return [.. page["items"]!.AsArray().Select(i => i!.AsObject())];
    }

    private static void AssertEntry(List<JsonObject> entries, string action, string outcome = "success", string? actor = "staff:auditor")
    {
        var entry = entries.FirstOrDefault(e => e["action"]!.GetValue<string>() == action);
        Assert.True(entry is not null, $"No {action} entry in: {string.Join(", ", entries.Select(e => e["action"]))}");
        Assert.Equal(outcome, entry["outcome"]!.GetValue<string>());
        if (actor is not null)
        {
            Assert.Equal(actor, entry["actor"]!.GetValue<string>());
        }
        Assert.False(string.IsNullOrEmpty(entry["at"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(entry["clientIp"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Should_record_schema_changes()
    {
        var key = "audited-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync("content-types", HttpAssertions.Json($$"""{"key":"{{key}}","displayName":"Audited"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin.DeleteAsync($"content-types/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        var component = "audited-c-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync("components", HttpAssertions.Json($$"""{"key":"{{component}}","displayName":"C"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin.DeleteAsync($"components/{component}").ShouldBeAsync(HttpStatusCode.NoContent);

        var entries = await EntriesAsync(key);
        AssertEntry(entries, "content-type.saved");
        AssertEntry(entries, "content-type.deleted");
        AssertEntry(await EntriesAsync(component), "component.saved");
        AssertEntry(await EntriesAsync(component), "component.deleted");
    }

    [Fact]
    public async Task Should_record_event_type_changes()
    {
        var key = "audited_" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync("event-types", HttpAssertions.Json($$"""{"key":"{{key}}","displayName":"Audited"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin.DeleteAsync($"event-types/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await _admin.PutAsync("event-type-settings", HttpAssertions.Json("""{"unknownTypes":"custom"}""")).ShouldBeAsync(HttpStatusCode.OK);

        var entries = await EntriesAsync(key);
        AssertEntry(entries, "event-type.saved");
        AssertEntry(entries, "event-type.deleted");
        AssertEntry(await EntriesAsync("settings"), "event-type-settings.saved");
    }

    [Fact]
    public async Task Should_record_account_and_key_changes_and_sign_ins()
    {
        var email = $"audit-{Guid.NewGuid():n}@example.com";
        var created = await (
            await _admin
                .PostAsync(
                    "accounts",
                    HttpAssertions.Json($$"""{"email":"{{email}}","password":"correct horse battery","roles":["editor"]}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var accountId = created["id"]!.GetValue<string>();
        var change = new HttpRequestMessage(HttpMethod.Patch, $"accounts/{accountId}")
        {
            Content = HttpAssertions.Json("""{"roles":["marketer"]}""", "application/merge-patch+json"),
        };
        await _admin.SendAsync(change).ShouldBeAsync(HttpStatusCode.OK);

        var anonymous = host.CreateAnonymousClient();
        await anonymous.PostAsync(
            "auth/token",
            HttpAssertions.Json($$"""{"grant_type":"password","username":"{{email}}","password":"wrong password!!"}""")
        );
        var tokens = await (
            await anonymous
                .PostAsync(
                    "auth/token",
                    HttpAssertions.Json($$"""{"grant_type":"password","username":"{{email}}","password":"correct horse battery"}""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        await _admin.DeleteAsync($"accounts/{accountId}").ShouldBeAsync(HttpStatusCode.NoContent);

        var entries = await EntriesAsync(accountId);
        AssertEntry(entries, "account.created");
        AssertEntry(entries, "account.changed");
        AssertEntry(entries, "account.deleted");
        AssertEntry(entries, "auth.sign-in-failed", "failure", "email:" + email);
        AssertEntry(entries, "auth.sign-in", actor: "staff:" + accountId);
        Assert.NotNull(tokens["access_token"]);

        var key = await (
            await _admin
                .PostAsync("api-keys", HttpAssertions.Json("""{"name":"audited","scopes":["content:read"]}"""))
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        var keyId = key["key"]!["id"]!.GetValue<string>();
        await _admin.DeleteAsync($"api-keys/{keyId}").ShouldBeAsync(HttpStatusCode.OK);
        AssertEntry(await EntriesAsync(keyId), "api-key.created");
        AssertEntry(await EntriesAsync(keyId), "api-key.revoked");
    }

    [Fact]
    public async Task Should_record_customer_deletion()
    {
        var id = "gone-" + Guid.NewGuid().ToString("n")[..8];
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _admin.DeleteAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.NoContent);
        AssertEntry(await EntriesAsync(id), "customer.deleted");
    }

    [Fact]
    public async Task Should_filter_newest_first_and_offer_no_way_to_change_entries()
    {
        var page = await (await _admin.GetAsync("audit?filter[action]=content-type.saved&limit=5")).ReadObjectAsync();
        var times = page["items"]!.AsArray().Select(i => i!["at"]!.GetValue<string>()).ToList();
        Assert.Equal(times.OrderDescending(StringComparer.Ordinal), times);
        Assert.All(page["items"]!.AsArray(), i => Assert.Equal("content-type.saved", i!["action"]!.GetValue<string>()));

        await (await _admin.DeleteAsync("audit")).ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        await (await _admin.PutAsync("audit", HttpAssertions.Json("{}"))).ShouldBeProblemAsync(
            HttpStatusCode.MethodNotAllowed,
            "method-not-allowed"
        );
        await (await _admin.GetAsync("audit?filter[clientIp]=1.2.3.4")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        await (await host.CreateClientFor(Roles.Marketer).GetAsync("audit")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
