using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Integration.Tests.Security;

public sealed class TokenValidationTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _anonymous = host.CreateAnonymousClient();

    private async Task<HttpResponseMessage> CallWithAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "content-types");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _anonymous.SendAsync(request);
    }

    private async Task ShouldBeRejectedAsync(string token, string hint)
    {
        var response = await CallWithAsync(token);
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains(hint, problem["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    private SigningKey HostKey =>
        host.Services.GetRequiredService<ISigningKeyStore>().GetKeysAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()[0];

    private static string Sign(
        SecurityKey key,
        string algorithm,
        Action<Dictionary<string, object>> claims,
        string issuer = "cx",
        string audience = "cx-api",
        DateTime? expires = null
    )
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(expires is null ? 0 : -30);
        var values = new Dictionary<string, object>
        {
            ["sub"] = "forger",
            ["cx_kind"] = "staff",
            ["roles"] = new[] { "admin" },
        };
        claims(values);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                IssuedAt = now,
                NotBefore = now,
                Expires = expires ?? now.AddMinutes(10),
                Claims = values,
                SigningCredentials = new SigningCredentials(key, algorithm),
            }
        );
    }

    [Fact]
    public async Task Should_accept_a_token_signed_by_the_hosts_key() =>
        await CallWithAsync(Sign(HostKey.Key, SecurityAlgorithms.EcdsaSha256, _ => { })).ShouldBeAsync(HttpStatusCode.OK);

    [Fact]
    public async Task Should_reject_an_expired_token() =>
        await ShouldBeRejectedAsync(
            Sign(
                HostKey.Key,
                SecurityAlgorithms.EcdsaSha256,
                _ => { },
                expires: TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-5)
            ),
            "expired"
        );

    [Fact]
    public async Task Should_reject_a_token_signed_with_another_key()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = Sign(new ECDsaSecurityKey(other) { KeyId = HostKey.Id }, SecurityAlgorithms.EcdsaSha256, _ => { });
        await ShouldBeRejectedAsync(forged, "signature");
    }

    [Fact]
    public async Task Should_reject_a_token_for_another_audience() =>
        await ShouldBeRejectedAsync(Sign(HostKey.Key, SecurityAlgorithms.EcdsaSha256, _ => { }, audience: "someone-else"), "audience");

    [Fact]
    public async Task Should_reject_a_token_from_another_issuer() =>
        await ShouldBeRejectedAsync(Sign(HostKey.Key, SecurityAlgorithms.EcdsaSha256, _ => { }, issuer: "evil"), "issued by someone else");

    [Fact]
    public async Task Should_reject_an_unsigned_alg_none_token()
    {
        static string Part(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = TimeProvider.System.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds();
        var unsigned =
            Part("""{"alg":"none","typ":"JWT"}""")
            + "."
            + Part($$"""{"iss":"cx","aud":"cx-api","sub":"x","cx_kind":"staff","roles":["admin"],"exp":{{exp}}}""")
            + ".";
        await ShouldBeRejectedAsync(unsigned, "not valid");
    }

    [Fact]
    public async Task Should_reject_a_token_signed_with_a_shared_secret()
    {
        var hmac = Sign(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), SecurityAlgorithms.HmacSha256, _ => { });
        await ShouldBeRejectedAsync(hmac, "not valid");
    }

    [Fact]
    public async Task Should_reject_a_tampered_payload()
    {
        var token = Sign(HostKey.Key, SecurityAlgorithms.EcdsaSha256, c => c["roles"] = new[] { "editor" });
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!;
        payload["roles"] = new JsonArray("admin");
        await ShouldBeRejectedAsync(parts[0] + "." + Base64UrlEncoder.Encode(payload.ToJsonString()) + "." + parts[2], "signature");
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task Should_reject_malformed_tokens(string token)
    {
        var response = await CallWithAsync(token);
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_ask_for_credentials_when_there_are_none()
    {
        var response = await _anonymous.GetAsync("content-types");
        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer realm=\"cx\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Should_verify_cx_tokens_with_an_independent_library()
    {
        var token = host.IssueToken(Roles.Marketer, subject: "jose-check");
        var jwks = new Uri(_anonymous.BaseAddress!, "auth/jwks.json").ToString();
        var (exit, output, error) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Security/verify-with-jose.mjs",
            [jwks, "cx", "cx-api"],
            token
        );
        Assert.True(exit == 0, error);
        var verified = JsonNode.Parse(output)!;
        Assert.Equal("ES256", verified["header"]!["alg"]!.GetValue<string>());
        Assert.Equal(HostKey.Id, verified["header"]!["kid"]!.GetValue<string>());
        Assert.Equal("jose-check", verified["payload"]!["sub"]!.GetValue<string>());
        Assert.Equal("marketer", verified["payload"]!["roles"]![0]!.GetValue<string>());

        var tampered = token[..^4] + (token[^4] == 'A' ? "BAAA" : "AAAA");
        var (rejected, _, reason) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Security/verify-with-jose.mjs",
            [jwks, "cx", "cx-api"],
            tampered
        );
        Assert.Equal(1, rejected);
        Assert.Contains("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", reason, StringComparison.Ordinal);
        var (wrongAudience, _, _) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Security/verify-with-jose.mjs",
            [jwks, "cx", "other"],
            token
        );
        Assert.Equal(1, wrongAudience);
    }
}
