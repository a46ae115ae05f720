using System.Net;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

public sealed class CorsHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Auth:AllowedOrigins:0"] = "https://app.example.com" };
}

public sealed class HeadersTests(CorsHostFactory host) : IClassFixture<CorsHostFactory>
{
    [Fact]
    public async Task Should_send_security_headers_on_success_and_on_problems()
    {
        var client = host.CreateApiClient();
        foreach (
            var response in new[]
            {
                await client.GetAsync("health"),
                await client.GetAsync("customers/nope"),
                await host.CreateAnonymousClient().GetAsync("customers"),
            }
        )
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Should_allow_configured_origins_only()
    {
        var client = host.CreateRawClient();
        var allowed = new HttpRequestMessage(HttpMethod.Options, "customers");
        allowed.Headers.Add("Origin", "https://app.example.com");
        allowed.Headers.Add("Access-Control-Request-Method", "GET");
        allowed.Headers.Add("Access-Control-Request-Headers", "authorization");
        var preflight = await client.SendAsync(allowed);
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("https://app.example.com", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", preflight.Headers.GetValues("Access-Control-Allow-Credentials").Single());

        var foreign = new HttpRequestMessage(HttpMethod.Options, "customers");
        foreign.Headers.Add("Origin", "https://evil.example.net");
        foreign.Headers.Add("Access-Control-Request-Method", "GET");
        var refused = await client.SendAsync(foreign);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
