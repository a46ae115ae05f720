using System.Net;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

public sealed class ApiKeyHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Auth:RevocationCacheSeconds"] = "0" };
}

public sealed class ApiKeyTests(ApiKeyHostFactory host) : IClassFixture<ApiKeyHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private async Task<JsonObject> CreateAsync(string body) =>
        await (await _admin.PostAsync("api-keys", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.Created)).ReadObjectAsync();

    [Fact]
    public async Task Should_issue_a_scoped_key_shown_once_and_stored_hashed()
    {
        var created = await CreateAsync("""{"name":"crm sync","scopes":["customers:read"]}""");
        var secret = created["secret"]!.GetValue<string>();
        var id = created["key"]!["id"]!.GetValue<string>();
        Assert.StartsWith($"cx_{id}_", secret, StringComparison.Ordinal);

        var service = host.CreateClientWithKey(secret);
        await service.GetAsync("customers").ShouldBeAsync(HttpStatusCode.OK);
        await (await service.PostAsync("customers", HttpAssertions.Json("""{"email":"key@example.com"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await (await service.GetAsync("api-keys")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        var listed = await (await _admin.GetAsync("api-keys?limit=200")).ReadObjectAsync();
        var text = listed.ToJsonString();
        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[^20..], text, StringComparison.Ordinal);

        var wrongSecret = host.CreateClientWithKey(secret[..^3] + "xyz");
        await (await wrongSecret.GetAsync("customers")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_stop_a_revoked_key_at_once()
    {
        var created = await CreateAsync("""{"name":"to revoke","scopes":["content:read"]}""");
        var service = host.CreateClientWithKey(created["secret"]!.GetValue<string>());
        await service.GetAsync("content-types/customer".Replace("content-types/customer", "singles/none", StringComparison.Ordinal));
        await _admin.DeleteAsync($"api-keys/{created["key"]!["id"]}").ShouldBeAsync(HttpStatusCode.OK);
        await (await service.GetAsync("content/article")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_limit_public_keys_to_writing_events()
    {
        var created = await CreateAsync("""{"name":"website","public":true}""");
        Assert.Equal(["events:write"], created["key"]!["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        var browser = host.CreateClientWithKey(created["secret"]!.GetValue<string>());
        await (await browser.GetAsync("customers")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await browser.GetAsync("content/article")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var problem = await (
            await _admin.PostAsync("api-keys", HttpAssertions.Json("""{"name":"bad","public":true,"scopes":["customers:read"]}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(problem.Errors(), e => e.Path == "/scopes");
    }

    [Theory]
    [InlineData("""{"name":"","scopes":["customers:read"]}""", "/name")]
    [InlineData("""{"name":"x","scopes":["accounts:manage"]}""", "/scopes/0")]
    [InlineData("""{"name":"x","scopes":[]}""", "/scopes")]
    [InlineData("""{"name":"x","scopes":["customers:read"],"expiresAt":"2001-01-01T00:00:00Z"}""", "/expiresAt")]
    public async Task Should_validate_new_keys(string body, string pointer)
    {
        var problem = await (await _admin.PostAsync("api-keys", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(problem.Errors(), e => e.Path == pointer);
    }
}
