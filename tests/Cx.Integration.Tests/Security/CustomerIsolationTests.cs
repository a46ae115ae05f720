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

    [Fact]
    public async Task Should_let_a_customer_send_and_read_only_its_own_events()
    {
        var a = await CreateCustomerAsync();
        var b = await CreateCustomerAsync();
        var customerA = host.CreateClientFor(Roles.Customer, a);

        await customerA
            .PostAsync("events", HttpAssertions.Json($$"""{"type":"page_view","customerId":"{{a}}","page":"/home"}"""))
            .ShouldBeAsync(HttpStatusCode.Accepted);
        var forged = $$"""{"events":[{"type":"page_view","customerId":"{{a}}"},{"type":"page_view","customerId":"{{b}}"}]}""";
        await (await customerA.PostAsync("events", HttpAssertions.Json(forged))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var anonymous = """{"type":"page_view","anonymousId":"anon-iso-1"}""";
        await (await customerA.PostAsync("events", HttpAssertions.Json(anonymous))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var linkOther = $$"""{"anonymousId":"anon-iso-2","customerId":"{{b}}"}""";
        await (await customerA.PostAsync("identify", HttpAssertions.Json(linkOther))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var linkByEmail = $$"""{"anonymousId":"anon-iso-3","email":"{{b}}@example.com"}""";
        await (await customerA.PostAsync("identify", HttpAssertions.Json(linkByEmail))).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await customerA
            .PostAsync("identify", HttpAssertions.Json($$"""{"anonymousId":"anon-iso-4","customerId":"{{a}}"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);

        await customerA.GetAsync($"customers/{a}/timeline").ShouldBeAsync(HttpStatusCode.OK);
        await (await customerA.GetAsync($"customers/{b}/timeline")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customerA.GetAsync($"customers/{b}/behavior?event=page_view&aggregate=count")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
    }
}
