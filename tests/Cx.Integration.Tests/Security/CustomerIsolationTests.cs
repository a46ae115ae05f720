using System.Net;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

public sealed class CustomerIsolationTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private async Task<string> CreateCustomerAsync()
    {
        var id = "iso-" + Guid.NewGuid().ToString("n")[..10];
        await _admin
            .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        return id;
    }

    [Fact]
    public async Task Should_let_a_customer_reach_only_its_own_profile()
    {
        var a = await CreateCustomerAsync();
        var b = await CreateCustomerAsync();
        var customerA = host.CreateClientFor(Roles.Customer, a);

        await customerA.GetAsync($"customers/{a}").ShouldBeAsync(HttpStatusCode.OK);
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"customers/{a}")
        {
            Content = HttpAssertions.Json("""{"name":"Me"}""", "application/merge-patch+json"),
        };
        await customerA.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);

        await (await customerA.GetAsync($"customers/{b}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var patchOther = new HttpRequestMessage(HttpMethod.Patch, $"customers/{b}")
        {
            Content = HttpAssertions.Json("""{"name":"Hacked"}""", "application/merge-patch+json"),
        };
        await (await customerA.SendAsync(patchOther)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customerA.GetAsync("customers")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customerA.DeleteAsync($"customers/{a}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customerA.GetAsync("content/customer")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "customer-scoped");
        Assert.NotEqual("Hacked", (await (await _admin.GetAsync($"customers/{b}")).ReadObjectAsync())["name"]?.GetValue<string>());
    }

    [Fact]
    public async Task Should_not_let_a_customer_forge_its_segments()
    {
        var a = await CreateCustomerAsync();
        var customerA = host.CreateClientFor(Roles.Customer, a);
        var forge = new HttpRequestMessage(HttpMethod.Patch, $"customers/{a}")
        {
            Content = HttpAssertions.Json(
                """{"segmentMembership":[{"segment":"vip","since":"2026-01-01"}]}""",
                "application/merge-patch+json"
            ),
        };
        await (await customerA.SendAsync(forge)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }
}
