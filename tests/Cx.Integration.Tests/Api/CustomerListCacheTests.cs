using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Documents;
using Cx.Embedded.Sqlite;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Api;

/// <summary>
/// The customer list cache (ADR 0403) over HTTP against the DevHost: a page is served from memory
/// until a write, and every lifecycle write path (create, replace, patch, delete, import) is
/// visible to the very next list request.
/// </summary>
public sealed class CustomerListCacheTests : IAsyncLifetime
{
    private const string GoldList = "customers?filter[loyaltyTier]=gold&sort=-lastLogin&limit=25";

    private readonly DevHostFactory _host = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = _host.CreateApiClient();
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync($"cache-{i}", i % 2 == 0 ? "gold" : "silver", $"2026-11-0{i + 1}T10:00:00Z");
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    private Task CreateAsync(string id, string tier, string lastLogin) =>
        _client
            .PostAsync(
                "customers",
                HttpAssertions.Json(
                    $$"""{"id":"{{id}}","email":"{{id}}@example.com","loyaltyTier":"{{tier}}","lastLogin":"{{lastLogin}}"}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);

    private async Task<List<string>> GoldIdsAsync(string list = GoldList)
    {
        var page = await (await _client.GetAsync(list).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        return [.. page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Should_serve_a_repeated_list_from_memory_until_a_write_goes_through_the_store()
    {
        Assert.Equal(["cache-4", "cache-2", "cache-0"], await GoldIdsAsync());
        // A write behind the cache's back (the SQLite adapter itself, not the registered store) is
        // not seen: the page comes from memory.
        var raw = _host.Services.GetRequiredService<SqliteDocumentStore>();
        await raw.CreateAsync(
            Containers.Customers,
            new DocumentWrite(
                "hidden",
                "hidden",
                "customer",
                Encoding.UTF8.GetBytes(
                    """{"id":"hidden","email":"hidden@example.com","loyaltyTier":"gold","lastLogin":"2026-11-30T10:00:00Z"}"""
                )
            ),
            CancellationToken.None
        );
        Assert.Equal(["cache-4", "cache-2", "cache-0"], await GoldIdsAsync());
        // The same query in another order is another key: read from the store.
        Assert.Equal(
            ["hidden", "cache-4", "cache-2", "cache-0"],
            await GoldIdsAsync("customers?limit=25&sort=-lastLogin&filter[loyaltyTier]=gold")
        );
        // Any write through the API expires every page at once.
        await CreateAsync("cache-9", "bronze", "2026-11-20T10:00:00Z");
        Assert.Equal(["hidden", "cache-4", "cache-2", "cache-0"], await GoldIdsAsync());
    }

    [Fact]
    public async Task Should_show_each_lifecycle_write_on_the_next_list_request()
    {
        Assert.Equal(["cache-4", "cache-2", "cache-0"], await GoldIdsAsync());

        await CreateAsync("cache-new", "gold", "2026-11-28T10:00:00Z");
        Assert.Equal(["cache-new", "cache-4", "cache-2", "cache-0"], await GoldIdsAsync());

        await _client
            .PutAsync(
                "customers/cache-1",
                HttpAssertions.Json(
                    """{"id":"cache-1","email":"cache-1@example.com","loyaltyTier":"gold","lastLogin":"2026-11-29T10:00:00Z"}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["cache-1", "cache-new", "cache-4", "cache-2", "cache-0"], await GoldIdsAsync());

        await _client
            .PatchAsync("customers/cache-4", HttpAssertions.Json("""{"loyaltyTier":"silver"}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["cache-1", "cache-new", "cache-2", "cache-0"], await GoldIdsAsync());

        await _client.DeleteAsync("customers/cache-2").ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Equal(["cache-1", "cache-new", "cache-0"], await GoldIdsAsync());

        var file = """
            {"id":"cache-3","email":"cache-3@example.com","loyaltyTier":"gold","lastLogin":"2026-11-30T10:00:00Z"}
            {"id":"cache-imported","email":"cache-imported@example.com","loyaltyTier":"gold","lastLogin":"2026-11-01T09:00:00Z"}
            """;
        await _client
            .PostAsync("customers/import", new StringContent(file, Encoding.UTF8, "application/x-ndjson"))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["cache-3", "cache-1", "cache-new", "cache-0", "cache-imported"], await GoldIdsAsync());
    }

    [Fact]
    public async Task Should_not_cache_a_rejected_list_query()
    {
        var problem = await (await _client.GetAsync("customers?filter[loyaltyTier][near]=gold")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.NotNull(problem["errors"]);
        await (await _client.GetAsync("customers?filter[loyaltyTier][near]=gold")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal(["cache-4", "cache-2", "cache-0"], await GoldIdsAsync());
    }
}
