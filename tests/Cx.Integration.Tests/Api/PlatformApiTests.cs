using System.Net;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

public sealed class PlatformApiTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    [Fact]
    public async Task Should_report_health() =>
        Assert.Equal(
            "healthy",
            (await (await _client.GetAsync("health").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync())["status"]!.GetValue<string>()
        );

    [Fact]
    public async Task Should_answer_unknown_routes_and_methods_with_problems()
    {
        await (await _client.GetAsync("no-such-route")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "no-route");
        await (await _client.DeleteAsync("health")).ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
    }
}
