using System.Net;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

public sealed class TightLimitsHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Read:Burst"] = "3",
            ["Cx:RateLimits:Read:PerSecond"] = "0.01",
            ["Cx:RateLimits:Auth:Burst"] = "2",
            ["Cx:RateLimits:Auth:PerSecond"] = "0.01",
        };
}

/// <summary>Three failed authentications per client address, and the address taken from the proxy's X-Forwarded-For.</summary>
public sealed class AuthFailureLimitsHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:AuthFailures:Burst"] = "3",
            ["Cx:RateLimits:AuthFailures:PerSecond"] = "0.01",
            ["Cx:Http:TrustForwardedFor"] = "true",
        };
}

public sealed class AuthFailureLimitTests(AuthFailureLimitsHostFactory host) : IClassFixture<AuthFailureLimitsHostFactory>
{
    private async Task<HttpResponseMessage> CallAsync(string address, string? apiKey = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "content-types");
        request.Headers.Add("X-Forwarded-For", address);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return await host.CreateRawClient().SendAsync(request);
    }

    [Fact]
    public async Task Should_answer_429_with_retry_after_once_an_address_has_failed_too_often()
    {
        const string attacker = "203.0.113.7";
        for (var i = 0; i < 3; i++)
        {
            await (await CallAsync(attacker, apiKey: $"cx_bogus{i}_guess")).ShouldBeProblemAsync(
                HttpStatusCode.Unauthorized,
                "unauthorized"
            );
        }

        var limited = await CallAsync(attacker, apiKey: "cx_bogus3_guess");
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        // Malformed tokens and missing credentials count too; the address is refused before any check.
        await (await CallAsync(attacker, token: "not-a-jwt")).ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        await (await CallAsync(attacker)).ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");

        // Another address is not affected, and valid credentials from it pass.
        await (await CallAsync("198.51.100.20", apiKey: "cx_bogus4_guess")).ShouldBeProblemAsync(
            HttpStatusCode.Unauthorized,
            "unauthorized"
        );
        await CallAsync("198.51.100.20", token: host.IssueToken(Roles.Editor)).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_not_count_successful_authentication()
    {
        const string office = "192.0.2.44";
        var token = host.IssueToken(Roles.Editor, subject: "busy-" + Guid.NewGuid().ToString("n"));
        for (var i = 0; i < 10; i++)
        {
            await CallAsync(office, token: token).ShouldBeAsync(HttpStatusCode.OK);
        }
        await (await CallAsync(office, apiKey: "cx_bogus_guess")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

/// <summary>Raw clients: the contract checker would spend the tiny budget fetching the OpenAPI document.</summary>
public sealed class RateLimitTests(TightLimitsHostFactory host) : IClassFixture<TightLimitsHostFactory>
{
    private HttpClient Raw(string token)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Should_answer_429_with_retry_after_per_caller()
    {
        var first = Raw(host.IssueToken(Roles.Marketer, subject: "busy-" + Guid.NewGuid().ToString("n")));
        for (var i = 0; i < 3; i++)
        {
            await first.GetAsync("content-types").ShouldBeAsync(HttpStatusCode.OK);
        }
        var limited = await first.GetAsync("content-types");
        await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

        var second = Raw(host.IssueToken(Roles.Marketer, subject: "calm-" + Guid.NewGuid().ToString("n")));
        await second.GetAsync("content-types").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_limit_anonymous_sign_in_attempts_per_address()
    {
        var anonymous = host.CreateRawClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add(
                (
                    await anonymous.PostAsync(
                        "auth/token",
                        HttpAssertions.Json("""{"grant_type":"password","username":"x@example.com","password":"wrong password!!"}""")
                    )
                ).StatusCode
            );
        }
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
    }
}
