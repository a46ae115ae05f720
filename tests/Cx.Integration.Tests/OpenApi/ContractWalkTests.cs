using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>
/// Walks every operation through its success and problem answers. The API client holds each
/// response to the document, so these tests fail when the document promises something the
/// API does not do (a status, a header, a field) or the API answers something undocumented.
/// </summary>
public sealed class ContractWalkTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static HttpRequestMessage Request(HttpMethod method, string path, string? json = null, string mediaType = "application/json") =>
        new(method, path) { Content = json is null ? null : HttpAssertions.Json(json, mediaType) };

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, EntityTagHeaderValue? ifMatch = null)
    {
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(ifMatch);
        }
        using (request)
        {
            return await _client.SendAsync(request);
        }
    }

    [Fact]
    public async Task Should_keep_the_document_through_a_customer_lifecycle()
    {
        var created = await _client
            .PostAsync(
                "customers",
                HttpAssertions.Json(
                    """{"email":"walk@example.com","name":"Walk","preferences":{"language":"en","newsletter":true},"interactionHistory":[{"at":"2026-11-01","kind":"purchase"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var id = (await created.ReadObjectAsync())["id"]!.GetValue<string>();

        var sparse = await _client.GetAsync($"customers/{id}?fields=email,preferences.language").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["id", "email", "preferences"], (await sparse.ReadObjectAsync()).Select(p => p.Key));

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"customers/{id}");
        conditional.Headers.IfNoneMatch.Add(created.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(conditional)).StatusCode);

        var replaced = await SendAsync(
                Request(HttpMethod.Put, $"customers/{id}", """{"email":"walk@example.com","name":"Walk Again"}"""),
                created.Headers.ETag
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        var patched = await SendAsync(
                Request(HttpMethod.Patch, $"customers/{id}", """{"name":null,"loyaltyTier":"gold"}""", "application/merge-patch+json"),
                replaced.Headers.ETag
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.False((await patched.ReadObjectAsync()).ContainsKey("name"));

        var stale = await SendAsync(Request(HttpMethod.Patch, $"customers/{id}", """{"name":"Late"}"""), created.Headers.ETag);
        await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");

        await SendAsync(Request(HttpMethod.Delete, $"customers/{id}"), patched.Headers.ETag).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"customers/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.DeleteAsync($"customers/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_keep_the_document_when_customer_requests_are_rejected()
    {
        await _client
            .PostAsync("customers", HttpAssertions.Json("""{"email":"taken@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);

        var duplicate = await _client.PostAsync("customers", HttpAssertions.Json("""{"email":"Taken@Example.com"}"""));
        var invalid = await _client.PostAsync("customers", HttpAssertions.Json("""{"email":"nope","segmentMembership":[],"extra":1}"""));
        var malformed = await _client.PostAsync("customers", HttpAssertions.Json("""{"email":"""));
        var wrongType = await _client.PostAsync("customers", HttpAssertions.Json("""{"email":"x@example.com"}""", "text/plain"));
        var badQuery = await _client.GetAsync("customers?filter[name]=x&limit=0&colour=red");
        var badIfMatch = await SendAsync(Request(HttpMethod.Delete, "customers/someone"), new EntityTagHeaderValue("\"x\"", isWeak: true));

        await duplicate.ShouldBeProblemAsync(HttpStatusCode.Conflict, "unique-violation");
        var problem = await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/extra", "unknown-field"), problem.Errors());
        await malformed.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "malformed-json");
        await wrongType.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        await badQuery.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await badIfMatch.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
    }

    [Fact]
    public async Task Should_keep_the_document_while_paging_through_customers()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client
                .PostAsync("customers", HttpAssertions.Json($$"""{"email":"page{{i}}@example.com","loyaltyTier":"silver"}"""))
                .ShouldBeAsync(HttpStatusCode.Created);
        }

        var first = await _client
            .GetAsync("customers?filter[loyaltyTier]=silver&filter[createdAt][gte]=2000-01-01&sort=-email&limit=2&fields=email")
            .ShouldBeAsync(HttpStatusCode.OK);
        var page = await first.ReadObjectAsync();
        var next = page["nextCursor"]!.GetValue<string>();
        var second = await _client.GetAsync(first.Headers.GetValues("Link").Single().Split('<', '>')[1]).ShouldBeAsync(HttpStatusCode.OK);

        Assert.Equal(2, page["items"]!.AsArray().Count);
        Assert.Contains(Uri.EscapeDataString(next), first.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Equal(2, (await second.ReadObjectAsync())["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Should_keep_the_document_through_definition_changes()
    {
        var component = await _client
            .PostAsync(
                "components",
                HttpAssertions.Json("""{"key":"cta","displayName":"Call to action","fields":[{"name":"label","type":"string"}]}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var type = await _client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    """{"key":"offer","displayName":"Offer","fields":[{"name":"title","type":"string","required":true},{"name":"cta","type":"component","component":"cta"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);

        await _client.GetAsync("content-types?limit=1").ShouldBeAsync(HttpStatusCode.OK);
        await _client.GetAsync("components").ShouldBeAsync(HttpStatusCode.OK);
        await _client.GetAsync("components/cta").ShouldBeAsync(HttpStatusCode.OK);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "content-types/offer");
        conditional.Headers.IfNoneMatch.Add(type.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(conditional)).StatusCode);
        var replaced = await SendAsync(
                Request(
                    HttpMethod.Put,
                    "components/cta",
                    """{"key":"cta","displayName":"Call to action","fields":[{"name":"label","type":"string"},{"name":"url","type":"string"}]}"""
                ),
                component.Headers.ETag
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        var breaking = await SendAsync(
            Request(HttpMethod.Put, "content-types/offer", """{"key":"offer","displayName":"Offer","kind":"single","fields":[]}""")
        );
        var inUse = await SendAsync(Request(HttpMethod.Delete, "components/cta"), replaced.Headers.ETag);
        var builtIn = await _client.DeleteAsync("content-types/customer");
        var exists = await _client.PostAsync("components", HttpAssertions.Json("""{"key":"cta","displayName":"Again"}"""));
        var unknownProperty = await _client.PostAsync(
            "components",
            HttpAssertions.Json("""{"key":"x","displayName":"X","colour":"red"}""")
        );

        await breaking.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await inUse.ShouldBeProblemAsync(HttpStatusCode.Conflict, "in-use");
        await builtIn.ShouldBeProblemAsync(HttpStatusCode.Conflict, "built-in");
        await exists.ShouldBeProblemAsync(HttpStatusCode.Conflict, "already-exists");
        await unknownProperty.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await (await _client.GetAsync("components/none")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await _client.DeleteAsync("content-types/offer").ShouldBeAsync(HttpStatusCode.NoContent);
        await _client.DeleteAsync("components/cta").ShouldBeAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Should_keep_the_document_for_entries_of_collection_and_single_types()
    {
        await _client
            .PostAsync(
                "content-types",
                HttpAssertions.Json("""{"key":"note","displayName":"Note","fields":[{"name":"text","type":"text","required":true}]}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await _client
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    """{"key":"settings","displayName":"Settings","kind":"single","fields":[{"name":"motto","type":"string"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);

        var note = await _client
            .PostAsync("content/note", HttpAssertions.Json("""{"id":"n1","text":"hello"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _client.GetAsync("content/note?sort=-createdAt&fields=text").ShouldBeAsync(HttpStatusCode.OK);
        await _client.GetAsync("content/note/n1").ShouldBeAsync(HttpStatusCode.OK);
        var replaced = await SendAsync(Request(HttpMethod.Put, "content/note/n1", """{"text":"again"}"""), note.Headers.ETag)
            .ShouldBeAsync(HttpStatusCode.OK);
        await SendAsync(Request(HttpMethod.Patch, "content/note/n1", """{"text":"patched"}"""), replaced.Headers.ETag)
            .ShouldBeAsync(HttpStatusCode.OK);
        var createdSingle = await _client
            .PutAsync("singles/settings", HttpAssertions.Json("""{"motto":"Be kind"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        await _client.PutAsync("singles/settings", HttpAssertions.Json("""{"motto":"Be brave"}""")).ShouldBeAsync(HttpStatusCode.OK);
        await _client.GetAsync("singles/settings?fields=motto").ShouldBeAsync(HttpStatusCode.OK);
        await SendAsync(Request(HttpMethod.Patch, "singles/settings", """{"motto":null}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        var wrongKind = await _client.GetAsync("content/settings");
        var wrongSingle = await _client.GetAsync("singles/note");
        var unknownType = await _client.PostAsync("content/nothing", HttpAssertions.Json("""{"a":1}"""));
        var staleSingle = await SendAsync(Request(HttpMethod.Delete, "singles/settings"), createdSingle.Headers.ETag);

        Assert.Equal("/api/v1/singles/settings", createdSingle.Headers.Location!.OriginalString);
        await wrongKind.ShouldBeProblemAsync(HttpStatusCode.Conflict, "single-type");
        await wrongSingle.ShouldBeProblemAsync(HttpStatusCode.Conflict, "collection-type");
        await unknownType.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await staleSingle.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        await _client.DeleteAsync("singles/settings").ShouldBeAsync(HttpStatusCode.NoContent);
        await _client.DeleteAsync("content/note/n1").ShouldBeAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Should_keep_the_document_for_health_and_for_routes_it_does_not_have()
    {
        var health = await _client.GetAsync("health").ShouldBeAsync(HttpStatusCode.OK);
        var noRoute = await _client.GetAsync("nothing-here");
        var noMethod = await _client.PostAsync("health", HttpAssertions.Json("{}"));

        Assert.Equal("healthy", (await health.ReadObjectAsync())["status"]!.GetValue<string>());
        await noRoute.ShouldBeProblemAsync(HttpStatusCode.NotFound, "no-route");
        await noMethod.ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
    }
}

/// <summary>A DevHost with the smallest body limit, so a 413 needs only a few kilobytes.</summary>
public sealed class SmallBodyDevHost : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Http:MaxBodyBytes"] = "1024" };
}

public sealed class PayloadLimitContractTests(SmallBodyDevHost host) : IClassFixture<SmallBodyDevHost>
{
    private readonly HttpClient _client = host.CreateApiClient();

    [Fact]
    public async Task Should_keep_the_document_when_a_body_is_too_large()
    {
        var body = $$"""{"email":"big@example.com","name":"{{new string('x', 4000)}}"}""";

        var created = await _client.PostAsync("customers", HttpAssertions.Json(body));
        var patched = await _client.PatchAsync("customers/someone", HttpAssertions.Json(body, "application/merge-patch+json"));

        await created.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        await patched.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }
}
