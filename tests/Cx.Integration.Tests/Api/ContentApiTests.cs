using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

public sealed class ContentApiTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static string Key(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private async Task<JsonObject> CreateTypeAsync(string json) =>
        await (await _client.PostAsync("content-types", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created)).ReadObjectAsync();

    private static HttpRequestMessage Put(string uri, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = HttpAssertions.Json(json) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return request;
    }

    [Fact]
    public async Task Should_define_a_type_and_manage_its_entries()
    {
        var key = Key("article");
        var type = await CreateTypeAsync(
            $$"""
            {"key":"{{key}}","displayName":"Article","fields":[
              {"name":"title","type":"string","required":true,"maxLength":120},
              {"name":"slug","type":"string","required":true,"unique":true,"indexed":true,"pattern":"[a-z0-9-]+"},
              {"name":"publishedAt","type":"dateTime","indexed":true},
              {"name":"rating","type":"decimal","scale":1,"min":0,"max":5}]}
            """
        );
        Assert.Equal(1, type["version"]!.GetValue<int>());
        Assert.Equal("collection", type["kind"]!.GetValue<string>());

        var created = await _client
            .PostAsync(
                $"content/{key}",
                HttpAssertions.Json("""{"title":"Hello","slug":"hello","publishedAt":"2026-11-20","rating":4.5}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var entry = await created.ReadObjectAsync();
        var id = entry["id"]!.GetValue<string>();
        Assert.Equal($"/api/v1/content/{key}/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("2026-11-20T00:00:00.000Z", entry["publishedAt"]!.GetValue<string>());

        var duplicate = await (
            await _client.PostAsync($"content/{key}", HttpAssertions.Json("""{"title":"Again","slug":"hello"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "unique-violation");
        Assert.Contains(("pointer", "/slug", "unique"), duplicate.Errors());
        var invalid = await (
            await _client.PostAsync($"content/{key}", HttpAssertions.Json("""{"title":"Bad","slug":"Not A Slug","rating":5.55}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/slug", "pattern"), invalid.Errors());
        Assert.Contains(("pointer", "/rating", "scale"), invalid.Errors());

        var list = await (await _client.GetAsync($"content/{key}?filter[publishedAt][gte]=2026-11-01&sort=-publishedAt")).ReadObjectAsync();
        Assert.Equal(id, list["items"]![0]!["id"]!.GetValue<string>());

        var patch = new HttpRequestMessage(HttpMethod.Patch, $"content/{key}/{id}")
        {
            Content = HttpAssertions.Json("""{"rating":3}""", "application/merge-patch+json"),
        };
        Assert.Equal(
            3,
            (await (await _client.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync())["rating"]!.GetValue<decimal>()
        );
        await _client.SendAsync(Put($"content/{key}/{id}", """{"title":"Hello again","slug":"hello"}""")).ShouldBeAsync(HttpStatusCode.OK);
        await _client.GetAsync($"content/{key}/{id}").ShouldBeAsync(HttpStatusCode.OK);

        await (await _client.DeleteAsync($"content-types/{key}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "has-entries");
        await _client.DeleteAsync($"content/{key}/{id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await _client.DeleteAsync($"content-types/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"content-types/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.GetAsync($"content/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_version_type_changes_and_ignore_unchanged_saves()
    {
        var key = Key("note");
        var definition = $$"""{"key":"{{key}}","displayName":"Note","fields":[{"name":"text","type":"text"}]}""";
        await CreateTypeAsync(definition);
        var first = await _client.GetAsync($"content-types/{key}");
        var etag = first.Headers.ETag!.Tag;

        var same = await _client.SendAsync(Put($"content-types/{key}", definition, etag)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(etag, same.Headers.ETag!.Tag);

        var grown =
            $$"""{"key":"{{key}}","displayName":"Note","fields":[{"name":"text","type":"text"},{"name":"pinned","type":"boolean"}]}""";
        var changed = await _client.SendAsync(Put($"content-types/{key}", grown, etag)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(2, (await changed.ReadObjectAsync())["version"]!.GetValue<int>());
        await (await _client.SendAsync(Put($"content-types/{key}", definition, etag))).ShouldBeProblemAsync(
            HttpStatusCode.PreconditionFailed,
            "precondition-failed"
        );

        var notModified = new HttpRequestMessage(HttpMethod.Get, $"content-types/{key}");
        notModified.Headers.TryAddWithoutValidation("If-None-Match", changed.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(notModified)).StatusCode);
    }

    [Fact]
    public async Task Should_refuse_breaking_changes_with_their_paths()
    {
        var key = Key("event");
        await CreateTypeAsync($$"""{"key":"{{key}}","displayName":"Event","fields":[{"name":"startsAt","type":"dateTime"}]}""");
        var breaking =
            $$"""{"key":"{{key}}","displayName":"Event","fields":[{"name":"startsAt","type":"string"},{"name":"venue","type":"string","required":true}]}""";
        var problem = await (await _client.SendAsync(Put($"content-types/{key}", breaking))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("pointer", "/fields/0/type", "type-change"), problem.Errors());
        Assert.Contains(("pointer", "/fields/1/default", "default-required"), problem.Errors());

        var mismatch = await (
            await _client.SendAsync(Put($"content-types/{key}", """{"key":"other","displayName":"X"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/key", "key-mismatch"), mismatch.Errors());
    }

    [Theory]
    [InlineData("""{"key":"Bad Key","displayName":"X"}""", "/key", "key")]
    [InlineData("""{"key":"ok-key","displayName":"X","fields":[{"name":"id","type":"string"}]}""", "/fields/0/name", "reserved")]
    [InlineData("""{"key":"ok-key","displayName":"X","fields":[{"name":"a","type":"strnig"}]}""", "/fields/0/type", "invalid")]
    [InlineData(
        """{"key":"ok-key","displayName":"X","fields":[{"name":"a","type":"string","requried":true}]}""",
        "/fields/0/requried",
        "invalid"
    )]
    [InlineData("""{"key":"ok-key","displayName":"X","fields":[{"name":"a","type":"enumeration"}]}""", "/fields/0/values", "required")]
    [InlineData(
        """{"key":"ok-key","displayName":"X","fields":[{"name":"a","type":"component","component":"nope"}]}""",
        "/fields/0/component",
        "unknown-component"
    )]
    [InlineData("""{"key":"ok-key","displayName":"X","storage":{"container":"definitions"}}""", "/storage", "storage")]
    [InlineData("""{"displayName":"X"}""", "", "invalid")]
    public async Task Should_reject_invalid_definitions_with_pointers(string body, string pointer, string code)
    {
        var problem = await (await _client.PostAsync("content-types", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("pointer", pointer, code), problem.Errors());
    }

    [Fact]
    public async Task Should_protect_builtin_definitions()
    {
        await (await _client.DeleteAsync("content-types/customer")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "built-in");
        await (await _client.DeleteAsync("components/preferences")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "built-in");
        await (
            await _client.PostAsync("content-types", HttpAssertions.Json("""{"key":"customer","displayName":"Again"}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.Conflict, "already-exists");
    }

    [Fact]
    public async Task Should_list_definitions_a_page_at_a_time()
    {
        var first = await (await _client.GetAsync("components?limit=1")).ReadObjectAsync();
        Assert.Single(first["items"]!.AsArray());
        var cursor = Uri.EscapeDataString(first["nextCursor"]!.GetValue<string>());
        var second = await (await _client.GetAsync($"components?limit=1&cursor={cursor}")).ReadObjectAsync();
        Assert.NotEqual(first["items"]![0]!["key"]!.GetValue<string>(), second["items"]![0]!["key"]!.GetValue<string>());
        await (await _client.GetAsync("content-types?sort=key")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await (await _client.GetAsync("content-types?filter[key]=x")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Should_grow_the_customer_profile_without_a_migration()
    {
        var old = await (
            await _client
                .PostAsync("customers", HttpAssertions.Json("""{"email":"before-growth@example.com","preferences":{"language":"en"}}"""))
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();

        var preferences = await (await _client.GetAsync("components/preferences")).ReadObjectAsync();
        preferences["fields"]!
            .AsArray()
            .Add(JsonNode.Parse("""{"name":"theme","type":"enumeration","values":["light","dark"],"indexed":true}"""));
        await _client.SendAsync(Put("components/preferences", preferences.ToJsonString())).ShouldBeAsync(HttpStatusCode.OK);

        var created = await (
            await _client
                .PostAsync(
                    "customers",
                    HttpAssertions.Json("""{"email":"after-growth@example.com","preferences":{"language":"en","theme":"dark"}}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();
        Assert.Equal("dark", created["preferences"]!["theme"]!.GetValue<string>());

        var unchanged = await (await _client.GetAsync($"customers/{old["id"]}")).ReadObjectAsync();
        Assert.True(JsonNode.DeepEquals(old, unchanged));
        var page = await (await _client.GetAsync("customers?filter[preferences.theme]=dark")).ReadObjectAsync();
        Assert.Equal(created["id"]!.GetValue<string>(), Assert.Single(page["items"]!.AsArray())!["id"]!.GetValue<string>());
        var invalid = await (
            await _client.PostAsync(
                "customers",
                HttpAssertions.Json("""{"email":"bad-theme@example.com","preferences":{"theme":"neon"}}""")
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/preferences/theme", "enum"), invalid.Errors());
    }

    [Fact]
    public async Task Should_serve_single_types_with_relations_and_dynamic_zones()
    {
        var article = Key("post");
        await CreateTypeAsync($$"""{"key":"{{article}}","displayName":"Post","fields":[{"name":"title","type":"string"}]}""");
        var hero = Key("hero");
        await _client
            .PostAsync(
                "components",
                HttpAssertions.Json(
                    $$"""{"key":"{{hero}}","displayName":"Hero","fields":[{"name":"headline","type":"string","required":true}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var home = Key("home");
        await CreateTypeAsync(
            $$"""
            {"key":"{{home}}","displayName":"Home","kind":"single","fields":[
              {"name":"featured","type":"relation","target":"{{article}}","many":true,"maxItems":3},
              {"name":"blocks","type":"dynamicZone","components":["{{hero}}"],"maxItems":5}]}
            """
        );
        var post = await (await _client.PostAsync($"content/{article}", HttpAssertions.Json("""{"title":"First"}"""))).ReadObjectAsync();
        var postId = post["id"]!.GetValue<string>();

        await (await _client.GetAsync($"singles/{home}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var missing = await (await _client.SendAsync(Put($"singles/{home}", """{"featured":["nope"]}"""))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("pointer", "/featured/0", "relation"), missing.Errors());
        var zone = await (
            await _client.SendAsync(Put($"singles/{home}", """{"blocks":[{"__component":"banner"}]}"""))
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/blocks/0/__component", "component"), zone.Errors());

        var created = await _client
            .SendAsync(Put($"singles/{home}", $$"""{"featured":["{{postId}}"],"blocks":[{"__component":"{{hero}}","headline":"Hi"}]}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/singles/{home}", created.Headers.Location!.OriginalString);
        await _client
            .SendAsync(Put($"singles/{home}", $$"""{"featured":[]}""", created.Headers.ETag!.Tag))
            .ShouldBeAsync(HttpStatusCode.OK);
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"singles/{home}")
        {
            Content = HttpAssertions.Json($$"""{"featured":["{{postId}}"]}""", "application/merge-patch+json"),
        };
        await _client.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(postId, (await (await _client.GetAsync($"singles/{home}")).ReadObjectAsync())["featured"]![0]!.GetValue<string>());

        await (await _client.GetAsync($"content/{home}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "single-type");
        await (await _client.GetAsync($"singles/{article}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "collection-type");
        await _client.DeleteAsync($"singles/{home}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"singles/{home}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_manage_components()
    {
        var key = Key("seo");
        var created = await _client
            .PostAsync(
                "components",
                HttpAssertions.Json($$"""{"key":"{{key}}","displayName":"SEO","fields":[{"name":"title","type":"string"}]}""")
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/components/{key}", created.Headers.Location!.OriginalString);
        var cycle = await (
            await _client.SendAsync(
                Put(
                    $"components/{key}",
                    $$"""{"key":"{{key}}","displayName":"SEO","fields":[{"name":"self","type":"component","component":"{{key}}"}]}"""
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(cycle.Errors(), e => e.Code == "cycle");
        await _client.DeleteAsync($"components/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"components/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}
