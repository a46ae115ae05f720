using System.Net;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

public sealed class BootstrapHostFactory : DevHostFactory
{
    public const string Email = "first.admin@example.com";
    public const string Password = "a long bootstrap password";

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Auth:Bootstrap:AdminEmail"] = Email,
            ["Cx:Auth:Bootstrap:AdminPassword"] = Password,
            ["Cx:Http:TrustForwardedFor"] = "true",
            ["Cx:RateLimits:Enabled"] = "false",
        };
}

public sealed class BootstrapAndProxyTests(BootstrapHostFactory host) : IClassFixture<BootstrapHostFactory>
{
    [Fact]
    public async Task Should_create_the_bootstrap_admin_at_start_up()
    {
        var form = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = BootstrapHostFactory.Email,
                ["password"] = BootstrapHostFactory.Password,
            }
        );
        var tokens = await (
            await host.CreateAnonymousClient().PostAsync("auth/token", form).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var admin = host.CreateAnonymousClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer",
            tokens["access_token"]!.GetValue<string>()
        );
        await admin.GetAsync("accounts").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_take_the_client_address_from_the_hop_the_proxy_appended()
    {
        var client = host.CreateApiClient();
        var key = "proxy-" + Guid.NewGuid().ToString("n")[..8];
        var request = new HttpRequestMessage(HttpMethod.Post, "content-types")
        {
            Content = HttpAssertions.Json($$"""{"key":"{{key}}","displayName":"Proxy"}"""),
        };
        request.Headers.Add("X-Forwarded-For", "6.6.6.6, 203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await client.SendAsync(request).ShouldBeAsync(HttpStatusCode.Created);
        Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);

        var entries = await (await client.GetAsync($"audit?filter[targetId]={key}")).ReadObjectAsync();
        Assert.Equal("203.0.113.7", entries["items"]![0]!["clientIp"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_expose_the_headers_browsers_need_on_cross_origin_responses()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "health");
        request.Headers.Add("Origin", "https://app.example.com");
        var response = await host.CreateRawClient().SendAsync(request);
        Assert.Equal("ETag, Location, Link, Retry-After", response.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }
}

public sealed class UnresolvedReferenceTests
{
    private sealed class Factory : DevHostFactory
    {
        protected override IReadOnlyDictionary<string, string?> Settings =>
            new Dictionary<string, string?>
            {
                ["Cx:Auth:Bootstrap:AdminEmail"] = "admin@example.com",
                ["Cx:Auth:Bootstrap:AdminPassword"] = "@Microsoft.KeyVault(VaultName=kv-cx;SecretName=cx-bootstrap-admin-password)",
            };
    }

    [Fact]
    public void Should_refuse_to_start_with_an_unresolved_key_vault_reference_as_the_admin_password()
    {
        using var factory = new Factory();
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateAnonymousClient());
        Assert.Contains("unresolved Key Vault reference", error.ToString(), StringComparison.Ordinal);
    }
}
