using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

public sealed class CustomerApiTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    [Fact]
    public async Task Should_create_read_and_delete_a_customer()
    {
        var created = await _client
            .PostAsync("customers", HttpAssertions.Json("""{"email":"Create.Me@Example.com","name":"Create Me"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var body = await created.ReadObjectAsync();
        var id = body["id"]!.GetValue<string>();
        Assert.Equal("create.me@example.com", body["email"]!.GetValue<string>());
        Assert.Equal("none", body["loyaltyTier"]!.GetValue<string>());
        Assert.Equal($"/api/v1/customers/{id}", created.Headers.Location!.OriginalString);
        Assert.NotNull(created.Headers.ETag);

        var read = await _client.GetAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);
        Assert.Equal("Create Me", (await read.ReadObjectAsync())["name"]!.GetValue<string>());

        await _client.DeleteAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.NoContent);
        var gone = await _client.GetAsync($"customers/{id}");
        await gone.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}
