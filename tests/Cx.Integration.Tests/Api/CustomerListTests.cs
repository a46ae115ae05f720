using System.Net;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Api;

/// <summary>A fixed data set of 30 customers, listed with every filter operator, sorted and paged.</summary>
public sealed class CustomerListFixture : DevHostFactory, IAsyncLifetime
{
    public static readonly string[] Tiers = ["none", "bronze", "silver", "gold", "platinum"];

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        for (var i = 0; i < 30; i++)
        {
            var lastLogin = i % 7 == 0 ? "null" : $"\"2026-11-{1 + (i % 25):D2}T10:00:00Z\"";
            var language =
                i % 3 == 0 ? "en"
                : i % 3 == 1 ? "pt-PT"
                : "es";
            var newsletter = i % 2 == 0 ? "true" : "false";
            var json = $$$"""
                {"id":"list-{{{i:D2}}}","email":"list{{{i:D2}}}@example.com","name":"Customer {{{i}}}","lastLogin":{{{lastLogin}}},
                 "loyaltyTier":"{{{Tiers[i % 5]}}}","preferences":{"language":"{{{language}}}","newsletter":{{{newsletter}}}}}
                """;
            await Client.PostAsync("customers", HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class CustomerListTests(CustomerListFixture fixture) : IClassFixture<CustomerListFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private async Task<List<JsonObject>> AllPagesAsync(string query, int limit)
    {
        var items = new List<JsonObject>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"customers?{query}&limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await (await _client.GetAsync(url).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
            var batch = page["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
            Assert.True(batch.Count <= limit);
            items.AddRange(batch);
            cursor = page["nextCursor"]?.GetValue<string>();
            Assert.True(++pages < 100, "Paging did not terminate.");
        } while (cursor is not null);
        return items;
    }

    private async Task<List<string>> IdsAsync(string query) =>
        [
            .. (await AllPagesAsync(query, 200))
                .Select(i => i["id"]!.GetValue<string>())
                .Where(id => id.StartsWith("list-", StringComparison.Ordinal)),
        ];

    private static List<string> Expected(Func<int, bool> predicate) =>
        [.. Enumerable.Range(0, 30).Where(predicate).Select(i => $"list-{i:D2}")];

    private static string? LastLogin(int i) => i % 7 == 0 ? null : $"2026-11-{1 + (i % 25):D2}T10:00:00.000Z";

    [Fact]
    public async Task Should_filter_by_equality_and_in()
    {
        Assert.Equal(Expected(i => i % 5 == 3), await IdsAsync("filter[loyaltyTier]=gold"));
        Assert.Equal(Expected(i => i % 5 is 3 or 4), await IdsAsync("filter[loyaltyTier][in]=gold,platinum"));
        Assert.Equal(Expected(i => i % 5 is not (3 or 4)), await IdsAsync("filter[loyaltyTier][nin]=gold,platinum"));
        Assert.Equal(Expected(i => i % 5 != 0), await IdsAsync("filter[loyaltyTier][ne]=none"));
        Assert.Equal(
            Expected(i => i % 3 == 1 && i % 2 == 0),
            await IdsAsync("filter[preferences.language]=pt-PT&filter[preferences.newsletter]=true")
        );
        Assert.Equal(["list-07"], await IdsAsync("filter[email]=LIST07@example.com"));
    }

    [Fact]
    public async Task Should_filter_by_ranges_and_existence()
    {
        Assert.Equal(
            Expected(i =>
                LastLogin(i) is { } d && string.CompareOrdinal(d, "2026-11-10") >= 0 && string.CompareOrdinal(d, "2026-11-20T00:00:00Z") < 0
            ),
            await IdsAsync("filter[lastLogin][gte]=2026-11-10&filter[lastLogin][lt]=2026-11-20")
        );
        Assert.Equal(
            Expected(i =>
                LastLogin(i) is { } d
                && string.CompareOrdinal(d, "2026-11-05T10:00:00.000Z") >= 0
                && string.CompareOrdinal(d, "2026-11-08T10:00:00.000Z") <= 0
            ),
            await IdsAsync("filter[lastLogin][between]=2026-11-05T10:00:00Z,2026-11-08T10:00:00Z")
        );
        Assert.Equal(Expected(i => i % 7 == 0), await IdsAsync("filter[lastLogin][exists]=false"));
        Assert.Equal(Expected(i => i % 7 != 0), await IdsAsync("filter[lastLogin][exists]=true"));
        Assert.Equal(Expected(i => i is >= 10 and <= 19), await IdsAsync("filter[email][startsWith]=list1"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public async Task Should_page_through_a_sorted_list_without_gaps_or_repeats(int limit)
    {
        var all = (await AllPagesAsync("sort=-lastLogin,loyaltyTier&filter[email][startsWith]=list", limit)).ToList();
        var ids = all.Select(i => i["id"]!.GetValue<string>()).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(30, ids.Distinct().Count());

        var expected = Enumerable
            .Range(0, 30)
            .OrderByDescending(i => LastLogin(i) ?? "", StringComparer.Ordinal)
            .ThenBy(i => CustomerListFixture.Tiers[i % 5], StringComparer.Ordinal)
            .ThenBy(i => $"list-{i:D2}", StringComparer.Ordinal)
            .Select(i => $"list-{i:D2}")
            .ToList();
        Assert.Equal(expected, ids);
    }

    [Fact]
    public async Task Should_sort_missing_values_first_when_ascending()
    {
        var ids = await IdsAsync("sort=lastLogin");
        Assert.Equal(Expected(i => i % 7 == 0), ids.Take(5).ToList());
    }

    [Fact]
    public async Task Should_link_to_the_next_page()
    {
        var response = await _client.GetAsync("customers?filter[loyaltyTier]=gold&limit=2").ShouldBeAsync(HttpStatusCode.OK);
        var link = response.Headers.GetValues("Link").Single();
        Assert.StartsWith("</api/v1/customers?", link, StringComparison.Ordinal);
        // The v1 list is deprecated (docs/versioning.md): the next link stays first, the successor follows it.
        Assert.Contains(">; rel=\"next\"", link, StringComparison.Ordinal);
        var next = link[1..link.IndexOf('>', StringComparison.Ordinal)];
        var page = await (await _client.GetAsync(next).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal(2, page["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Should_reject_a_cursor_replayed_against_another_query()
    {
        var page = await (await _client.GetAsync("customers?filter[loyaltyTier]=gold&limit=1")).ReadObjectAsync();
        var cursor = Uri.EscapeDataString(page["nextCursor"]!.GetValue<string>());
        var problem = await (await _client.GetAsync($"customers?filter[loyaltyTier]=silver&limit=1&cursor={cursor}")).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", "cursor", "invalid-cursor"), problem.Errors());
    }

    [Theory]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor", "invalid-cursor")]
    [InlineData("cursor=%%%", "cursor", "invalid-cursor")]
    [InlineData("limit=0", "limit", "range")]
    [InlineData("limit=1000", "limit", "range")]
    [InlineData("limit=ten", "limit", "value")]
    [InlineData("limit=1&limit=2", "limit", "repeated")]
    [InlineData("page=2", "page", "unknown-parameter")]
    [InlineData("filters[email]=x", "filters[email]", "unknown-parameter")]
    [InlineData("filter[name]=Ana", "filter[name]", "not-filterable")]
    [InlineData("filter[lastLogin][gte]=last-week", "filter[lastLogin][gte]", "value")]
    [InlineData("filter[loyaltyTier][like]=gold", "filter[loyaltyTier][like]", "operator")]
    [InlineData("filter[preferences.newsletter][gt]=true", "filter[preferences.newsletter][gt]", "operator")]
    [InlineData("sort=name", "sort", "not-sortable")]
    [InlineData("fields=password", "fields", "unknown-field")]
    public async Task Should_reject_bad_list_parameters_naming_the_parameter(string query, string parameter, string code)
    {
        var problem = await (await _client.GetAsync("customers?" + query)).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("parameter", parameter, code), problem.Errors());
    }

    [Fact]
    public async Task Should_return_sparse_items()
    {
        var page = await (await _client.GetAsync("customers?filter[loyaltyTier]=gold&fields=email&limit=3")).ReadObjectAsync();
        foreach (var item in page["items"]!.AsArray())
        {
            Assert.Equal(["id", "email"], item!.AsObject().Select(p => p.Key));
        }
    }
}
