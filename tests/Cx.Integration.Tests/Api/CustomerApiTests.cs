using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

public sealed class CustomerApiTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("n")[..10];

    private async Task<(string Id, EntityTagHeaderValue ETag, JsonObject Body)> CreateAsync(string json)
    {
        var response = await _client.PostAsync("customers", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);
        var body = await response.ReadObjectAsync();
        return (body["id"]!.GetValue<string>(), response.Headers.ETag!, body);
    }

    private async Task<int> CountAsync(string email) =>
        (await (await _client.GetAsync($"customers?filter[email]={Uri.EscapeDataString(email)}")).ReadObjectAsync())["items"]!
            .AsArray()
            .Count;

    private static HttpRequestMessage With(
        HttpMethod method,
        string uri,
        string? json = null,
        string mediaType = "application/json",
        string? ifMatch = null,
        string? ifNoneMatch = null
    )
    {
        var request = new HttpRequestMessage(method, uri);
        if (json is not null)
        {
            request.Content = HttpAssertions.Json(json, mediaType);
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        return request;
    }

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
        await (await _client.GetAsync($"customers/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.DeleteAsync($"customers/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_report_every_invalid_field_and_write_nothing()
    {
        var email = Unique("x") + "@example.com";
        var response = await _client.PostAsync(
            "customers",
            HttpAssertions.Json(
                $$$"""{"email":"{{{email}}}","nmae":"typo","loyaltyTier":"diamond","lastLogin":"yesterday","preferences":{"newsletter":"yes"}}"""
            )
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        var errors = problem.Errors();
        Assert.Contains(("pointer", "/nmae", "unknown-field"), errors);
        Assert.Contains(("pointer", "/loyaltyTier", "enum"), errors);
        Assert.Contains(("pointer", "/lastLogin", "date-time"), errors);
        Assert.Contains(("pointer", "/preferences/newsletter", "type"), errors);
        Assert.Equal(0, await CountAsync(email));
    }

    [Fact]
    public async Task Should_reject_a_duplicate_email_with_a_conflict_on_the_field()
    {
        var email = Unique("dup") + "@example.com";
        await CreateAsync($$"""{"email":"{{email}}"}""");
        var problem = await (
            await _client.PostAsync("customers", HttpAssertions.Json($$"""{"email":"{{email.ToUpperInvariant()}}"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "unique-violation");
        Assert.Contains(("pointer", "/email", "unique"), problem.Errors());
        Assert.Equal(1, await CountAsync(email));
    }

    [Fact]
    public async Task Should_refuse_client_writes_to_segment_membership()
    {
        var problem = await (
            await _client.PostAsync(
                "customers",
                HttpAssertions.Json(
                    $$"""{"email":"{{Unique("seg")}}@example.com","segmentMembership":[{"segment":"vip","since":"2026-01-01"}]}"""
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/segmentMembership", "read-only"), problem.Errors());
    }

    [Fact]
    public async Task Should_accept_a_client_id_once_and_refuse_malformed_ids()
    {
        var id = Unique("client-");
        await CreateAsync($$"""{"id":"{{id}}","email":"{{id}}@example.com"}""");
        await (
            await _client.PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}2@example.com"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already-exists");
        var problem = await (
            await _client.PostAsync("customers", HttpAssertions.Json("""{"id":"has space","email":"id@example.com"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/id", "id"), problem.Errors());
    }

    public static TheoryData<string, string> MalformedBodies =>
        new()
        {
            { "", "A JSON object body is required." },
            { "[1,2]", "must be a JSON object" },
            { """{"email":"a@b.co",}""", "trailing comma" },
            { """{"email":"a@b.co","email":"c@d.co"}""", "duplicate" },
            { """{"email":"a@b.co" // comment""", "'/' is invalid" },
            { "{" + string.Concat(Enumerable.Repeat("\"a\":{", 40)) + string.Concat(Enumerable.Repeat("}", 41)), "depth" },
            { "not json", "not valid JSON" },
        };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Should_reject_malformed_json_with_a_clear_400(string body, string hint)
    {
        var problem = await (await _client.PostAsync("customers", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "malformed-json"
        );
        Assert.Contains(hint, problem["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Should_reject_an_oversized_body_with_413()
    {
        var body = $$"""{"email":"big@example.com","name":"{{new string('x', 1_100_000)}}"}""";
        await (await _client.PostAsync("customers", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/merge-patch+json")]
    public async Task Should_reject_other_media_types_with_415(string mediaType)
    {
        var content = new StringContent("""{"email":"a@b.co"}""", Encoding.UTF8, mediaType);
        await (await _client.PostAsync("customers", content)).ShouldBeProblemAsync(
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
    }

    [Fact]
    public async Task Should_honour_if_none_match_and_sparse_fieldsets()
    {
        var (id, etag, _) = await CreateAsync(
            $$$"""{"email":"{{{Unique("f")}}}@example.com","name":"Fields","preferences":{"language":"en","newsletter":true}}"""
        );
        var notModified = await _client.SendAsync(With(HttpMethod.Get, $"customers/{id}", ifNoneMatch: etag.Tag));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);

        var sparse = await (await _client.GetAsync($"customers/{id}?fields=name,preferences.language")).ReadObjectAsync();
        Assert.Equal(["id", "name", "preferences"], sparse.Select(p => p.Key));
        Assert.Equal(["language"], sparse["preferences"]!.AsObject().Select(p => p.Key));

        var problem = await (await _client.GetAsync($"customers/{id}?fields=nope")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", "fields", "unknown-field"), problem.Errors());
        await (await _client.GetAsync($"customers/{id}?expand=all")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Should_replace_with_preconditions()
    {
        var email = Unique("r") + "@example.com";
        var (id, etag, _) = await CreateAsync($$"""{"email":"{{email}}","name":"Before"}""");

        var replaced = await _client
            .SendAsync(With(HttpMethod.Put, $"customers/{id}", $$"""{"email":"{{email}}","name":"After"}""", ifMatch: etag.Tag))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.NotEqual(etag, replaced.Headers.ETag);
        Assert.Equal("After", (await replaced.ReadObjectAsync())["name"]!.GetValue<string>());

        await (
            await _client.SendAsync(With(HttpMethod.Put, $"customers/{id}", $$"""{"email":"{{email}}","name":"Lost"}""", ifMatch: etag.Tag))
        ).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        await (
            await _client.SendAsync(
                With(HttpMethod.Put, $"customers/{id}", $$"""{"email":"{{email}}"}""", ifMatch: "W/" + replaced.Headers.ETag!.Tag)
            )
        ).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        var malformed = await (
            await _client.SendAsync(With(HttpMethod.Put, $"customers/{id}", $$"""{"email":"{{email}}"}""", ifMatch: "no-quotes"))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("header", "If-Match", "etag"), malformed.Errors());
        var mismatch = await (
            await _client.SendAsync(With(HttpMethod.Put, $"customers/{id}", $$"""{"id":"other","email":"{{email}}"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/id", "id-mismatch"), mismatch.Errors());
        await (
            await _client.SendAsync(With(HttpMethod.Put, "customers/missing-customer", $$"""{"email":"{{Unique("m")}}@example.com"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var current = await (await _client.GetAsync($"customers/{id}")).ReadObjectAsync();
        Assert.Equal("After", current["name"]!.GetValue<string>());
        await _client
            .SendAsync(With(HttpMethod.Put, $"customers/{id}", current.ToJsonString(), ifMatch: "*"))
            .ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Should_merge_patch_and_validate_the_result()
    {
        var (id, etag, _) = await CreateAsync(
            $$$"""{"email":"{{{Unique("p")}}}@example.com","name":"Ana","preferences":{"language":"en","newsletter":true}}"""
        );
        var patched = await _client
            .SendAsync(
                With(
                    HttpMethod.Patch,
                    $"customers/{id}",
                    """{"name":null,"loyaltyTier":"gold","preferences":{"language":"pt-PT"}}""",
                    "application/merge-patch+json",
                    etag.Tag
                )
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        var body = await patched.ReadObjectAsync();
        Assert.False(body.ContainsKey("name"));
        Assert.Equal("gold", body["loyaltyTier"]!.GetValue<string>());
        Assert.Equal("pt-PT", body["preferences"]!["language"]!.GetValue<string>());
        Assert.True(body["preferences"]!["newsletter"]!.GetValue<bool>());

        var invalid = await (
            await _client.SendAsync(With(HttpMethod.Patch, $"customers/{id}", """{"email":null}""", "application/merge-patch+json"))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/email", "required"), invalid.Errors());
        await (
            await _client.SendAsync(With(HttpMethod.Patch, $"customers/{id}", """{"name":"x"}""", "application/merge-patch+json", etag.Tag))
        ).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "precondition-failed");
        await (await _client.SendAsync(With(HttpMethod.Patch, $"customers/{id}", """{"name":"x"}""", "text/plain"))).ShouldBeProblemAsync(
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
        await (
            await _client.SendAsync(
                With(
                    HttpMethod.Patch,
                    $"customers/{id}",
                    """{"segmentMembership":[{"segment":"vip","since":"2026-01-01"}]}""",
                    "application/merge-patch+json"
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Should_delete_only_with_a_matching_precondition()
    {
        var (id, etag, _) = await CreateAsync($$"""{"email":"{{Unique("d")}}@example.com"}""");
        await _client
            .SendAsync(With(HttpMethod.Patch, $"customers/{id}", """{"name":"changed"}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        await (await _client.SendAsync(With(HttpMethod.Delete, $"customers/{id}", ifMatch: etag.Tag))).ShouldBeProblemAsync(
            HttpStatusCode.PreconditionFailed,
            "precondition-failed"
        );
        await _client.GetAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.OK);
        await (await _client.SendAsync(With(HttpMethod.Delete, $"customers/{id}?force=true"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
    }

    [Fact]
    public async Task Should_free_a_deleted_customers_email()
    {
        var email = Unique("free") + "@example.com";
        var (id, _, _) = await CreateAsync($$"""{"email":"{{email}}"}""");
        await _client.DeleteAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await CreateAsync($$"""{"email":"{{email}}"}""");
    }
}
