using System.Net;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Privacy;

/// <summary>Personal-data tags on content-type fields, over HTTP: shown, stored, validated, kept on built-ins.</summary>
public sealed class PersonalDataTaggingTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static string? Tag(JsonObject type, string field) =>
        type["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == field)!["personal"]?.GetValue<string>();

    [Fact]
    public async Task Should_show_the_tags_of_the_builtin_types()
    {
        var customer = await (await _client.GetAsync("content-types/customer").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("contact", Tag(customer, "email"));
        Assert.Equal("name", Tag(customer, "name"));
        Assert.Null(Tag(customer, "loyaltyTier"));
        var ticket = await (await _client.GetAsync("content-types/support-ticket").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("identifier", Tag(ticket, "customer"));
        Assert.Equal("freeText", Tag(ticket, "description"));
        var preferences = await (await _client.GetAsync("components/preferences").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("location", Tag(preferences, "timeZone"));
    }

    [Fact]
    public async Task Should_store_a_tag_on_a_new_type_and_change_it()
    {
        var key = "visit-" + Guid.NewGuid().ToString("n")[..8];
        var created = await (
            await _client
                .PostAsync(
                    "content-types",
                    HttpAssertions.Json(
                        $$"""{"key":"{{key}}","displayName":"Visit","fields":[{"name":"address","type":"string","personal":"location"},{"name":"rooms","type":"integer"}]}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        Assert.Equal("location", Tag(created, "address"));
        Assert.Null(Tag(created, "rooms"));
        var changed = await (
            await _client
                .PutAsync(
                    $"content-types/{key}",
                    HttpAssertions.Json(
                        $$"""{"key":"{{key}}","displayName":"Visit","fields":[{"name":"address","type":"string"},{"name":"rooms","type":"integer","personal":"other"}]}"""
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Null(Tag(changed, "address"));
        Assert.Equal("other", Tag(changed, "rooms"));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("\"secret\"")]
    public async Task Should_reject_a_tag_that_is_not_a_category_with_its_pointer(string tag)
    {
        var problem = await (
            await _client.PostAsync(
                "content-types",
                HttpAssertions.Json($$"""{"key":"bad-tag","displayName":"X","fields":[{"name":"a","type":"string","personal":{{tag}}}]}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/fields/0/personal", "invalid"), problem.Errors());
        await (await _client.GetAsync("content-types/bad-tag")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_refuse_to_untag_a_builtin_field()
    {
        var response = await _client.GetAsync("content-types/customer").ShouldBeAsync(HttpStatusCode.OK);
        var customer = await response.ReadObjectAsync();
        var fields = customer["fields"]!.AsArray();
        var index = fields.Select((f, i) => (f, i)).Single(x => x.f!["name"]!.GetValue<string>() == "phone").i;
        fields[index]!.AsObject().Remove("personal");
        var body = new JsonObject
        {
            ["key"] = "customer",
            ["displayName"] = customer["displayName"]!.DeepClone(),
            ["fields"] = fields.DeepClone(),
            ["storage"] = customer["storage"]!.DeepClone(),
        };
        var problem = await (await _client.PutAsync("content-types/customer", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("pointer", $"/fields/{index}/personal", "built-in"), problem.Errors());
        var after = await (await _client.GetAsync("content-types/customer").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("contact", Tag(after, "phone"));
    }
}
