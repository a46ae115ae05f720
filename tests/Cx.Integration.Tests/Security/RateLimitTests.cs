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
