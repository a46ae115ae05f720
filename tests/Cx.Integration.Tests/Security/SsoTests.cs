using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Integration.Tests.Security;

/// <summary>A local OpenID Connect issuer: its own RSA key, its JWKS served over loopback HTTP.</summary>
public sealed class LocalIssuer : IAsyncDisposable
{
    public const string Issuer = "https://idp.example.test";
    public const string Audience = "cx-web";

    private readonly WebApplication _app;

    private LocalIssuer(WebApplication app, RsaSecurityKey key, string jwksUri)
    {
        _app = app;
        Key = key;
        JwksUri = jwksUri;
    }

    public RsaSecurityKey Key { get; }

    public string JwksUri { get; }

    public static async Task<LocalIssuer> StartAsync()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "idp-key-1" };
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(
                new JsonObject
                {
                    ["kty"] = "RSA",
                    ["kid"] = jwk.Kid,
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["n"] = jwk.N,
                    ["e"] = jwk.E,
                }
            ),
        }.ToJsonString();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/jwks", () => Results.Text(jwks, "application/json"));
        await app.StartAsync();
        var address = app.Urls.First();
        return new LocalIssuer(app, key, address + "/jwks");
    }

    public string IdToken(
        string subject,
        string? email = null,
        bool emailVerified = true,
        string[]? groups = null,
        string issuer = Issuer,
        string audience = Audience,
        SecurityKey? key = null,
        TimeSpan? expiresIn = null
    )
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["name"] = "SSO " + subject };
        if (email is not null)
        {
            claims["email"] = email;
            claims["email_verified"] = emailVerified;
        }
        if (groups is not null)
        {
            claims["groups"] = groups;
        }
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(5));
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                IssuedAt = expires.AddMinutes(-10),
                NotBefore = expires.AddMinutes(-10),
                Expires = expires,
                Claims = claims,
                SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.RsaSha256),
            }
        );
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class SsoHostFactory : DevHostFactory, IAsyncLifetime
{
    public LocalIssuer Issuer { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Auth:SsoIssuers:0:Key"] = "test-idp",
            ["Cx:Auth:SsoIssuers:0:Issuer"] = LocalIssuer.Issuer,
            ["Cx:Auth:SsoIssuers:0:Audience"] = LocalIssuer.Audience,
            ["Cx:Auth:SsoIssuers:0:JwksUri"] = Issuer.JwksUri,
            ["Cx:RateLimits:Enabled"] = "false",
        };

    public async Task InitializeAsync()
    {
        Issuer = await LocalIssuer.StartAsync();
        var mapping =
            """{"key":"test-idp","roleClaim":"groups","roles":{"cx-admins":"admin","cx-marketing":"marketer"},"customers":"create"}""";
        var response = await CreateApiClient().PutAsync("claims-mappings/test-idp", HttpAssertions.Json(mapping));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    async Task IAsyncLifetime.DisposeAsync() => await Issuer.DisposeAsync();
}

public sealed class SsoTests(SsoHostFactory host) : IClassFixture<SsoHostFactory>
{
    private readonly HttpClient _anonymous = host.CreateAnonymousClient();

    private Task<HttpResponseMessage> ExchangeAsync(string idToken) =>
        _anonymous.PostAsync(
            "auth/token",
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange",
                    ["subject_token"] = idToken,
                    ["subject_token_type"] = "urn:ietf:params:oauth:token-type:id_token",
                }
            )
        );

    private async Task<JsonObject> MeAsync(JsonObject tokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "auth/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens["access_token"]!.GetValue<string>());
        return await (await _anonymous.SendAsync(request).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
    }

    [Fact]
    public async Task Should_sign_in_a_new_customer_and_create_the_linked_profile_once()
    {
        var subject = Guid.NewGuid().ToString("n");
        var email = $"sso-{subject[..8]}@example.com";
        var first = await (await ExchangeAsync(host.Issuer.IdToken(subject, email)).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var me = await MeAsync(first);
        Assert.Equal("customer", me["kind"]!.GetValue<string>());
        var customerId = me["customerId"]!.GetValue<string>();

        var profile = await (await host.CreateApiClient().GetAsync($"customers/{customerId}")).ReadObjectAsync();
        Assert.Equal(email, profile["email"]!.GetValue<string>());
        Assert.Equal($"test-idp|{subject}", profile["authId"]!.GetValue<string>());

        var again = await (await ExchangeAsync(host.Issuer.IdToken(subject, email)).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal(customerId, (await MeAsync(again))["customerId"]!.GetValue<string>());

        var client = host.CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", again["access_token"]!.GetValue<string>());
        await client.GetAsync($"customers/{customerId}").ShouldBeAsync(HttpStatusCode.OK);
        await (await client.GetAsync("customers")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Should_end_a_customer_s_sessions_when_the_customer_is_deleted()
    {
        var subject = Guid.NewGuid().ToString("n");
        var tokens = await (
            await ExchangeAsync(host.Issuer.IdToken(subject, $"gone-{subject[..8]}@example.com")).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var customerId = (await MeAsync(tokens))["customerId"]!.GetValue<string>();

        await host.CreateApiClient().DeleteAsync($"customers/{customerId}").ShouldBeAsync(HttpStatusCode.NoContent);

        var refresh = await _anonymous.PostAsync(
            "auth/token",
            HttpAssertions.Json($$"""{"grant_type":"refresh_token","refresh_token":"{{tokens["refresh_token"]!.GetValue<string>()}}"}""")
        );
        await refresh.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
        var me = new HttpRequestMessage(HttpMethod.Get, "auth/me");
        me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens["access_token"]!.GetValue<string>());
        await (await _anonymous.SendAsync(me)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_link_an_existing_profile_by_verified_email_only()
    {
        var id = "pre-" + Guid.NewGuid().ToString("n")[..8];
        var email = id + "@example.com";
        await host.CreateApiClient()
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{email}}"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);

        await (await ExchangeAsync(host.Issuer.IdToken(Guid.NewGuid().ToString("n"), email, emailVerified: false))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var linked = await (
            await ExchangeAsync(host.Issuer.IdToken(Guid.NewGuid().ToString("n"), email)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(id, (await MeAsync(linked))["customerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_map_provider_groups_to_staff_roles()
    {
        var tokens = await (
            await ExchangeAsync(host.Issuer.IdToken("staff-" + Guid.NewGuid().ToString("n"), groups: ["cx-marketing", "unrelated"]))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var me = await MeAsync(tokens);
        Assert.Equal("staff", me["kind"]!.GetValue<string>());
        Assert.Equal(["marketer"], me["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_reject_id_tokens_that_are_not_from_the_configured_issuer_and_client()
    {
        using var other = RSA.Create(2048);
        var subject = Guid.NewGuid().ToString("n");
        var cases = new[]
        {
            host.Issuer.IdToken(subject, "a@example.com", audience: "another-app"),
            host.Issuer.IdToken(subject, "a@example.com", issuer: "https://elsewhere.example"),
            host.Issuer.IdToken(subject, "a@example.com", key: new RsaSecurityKey(other) { KeyId = "idp-key-1" }),
            host.Issuer.IdToken(subject, "a@example.com", expiresIn: TimeSpan.FromMinutes(-10)),
            "not.a.token",
        };
        foreach (var idToken in cases)
        {
            await (await ExchangeAsync(idToken)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid-grant");
        }
    }

    [Fact]
    public async Task Should_validate_claims_mappings()
    {
        var admin = host.CreateApiClient();
        var problem = await (
            await admin.PutAsync("claims-mappings/test-idp", HttpAssertions.Json("""{"key":"test-idp","roles":{"x":"customer"}}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(problem.Errors(), e => e.Path == "/roles/x");
        await (await admin.PutAsync("claims-mappings/unknown", HttpAssertions.Json("""{"key":"unknown"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        await admin.GetAsync("claims-mappings/test-idp").ShouldBeAsync(HttpStatusCode.OK);
    }
}
