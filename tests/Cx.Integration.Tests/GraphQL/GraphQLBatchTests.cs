using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Rules;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.GraphQL;

/// <summary>A document store that counts the calls made while one subject's request runs, per operation and container.</summary>
public sealed class CountingStore(IDocumentStore inner) : IDocumentStore
{
    public const string Subject = "gql-counted";

    public ConcurrentQueue<string> Calls { get; } = new();

    private void Count(string operation, string container)
    {
        if (CurrentActor.Authenticated?.Subject == Subject)
        {
            Calls.Enqueue(operation + ":" + container);
        }
    }

    public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken)
    {
        Count("read", container);
        return inner.ReadAsync(container, key, cancellationToken);
    }

    public ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    )
    {
        Count("read-many", container);
        return inner.ReadManyAsync(container, keys, cancellationToken);
    }

    public ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        inner.CreateAsync(container, document, cancellationToken);

    public ValueTask<StoredDocument> ReplaceAsync(
        string container,
        DocumentWrite document,
        string? ifMatch,
        CancellationToken cancellationToken
    ) => inner.ReplaceAsync(container, document, ifMatch, cancellationToken);

    public ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        inner.UpsertAsync(container, document, cancellationToken);

    public ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken) =>
        inner.DeleteAsync(container, key, ifMatch, cancellationToken);

    public ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken)
    {
        Count("query", container);
        return inner.QueryAsync(container, query, cancellationToken);
    }

    public ValueTask<long> CountAsync(string container, string type, Condition? filter, CancellationToken cancellationToken)
    {
        Count("count", container);
        return inner.CountAsync(container, type, filter, cancellationToken);
    }

    public ValueTask EnsureIndexesAsync(
        string container,
        string type,
        IReadOnlyList<FieldPath> fields,
        CancellationToken cancellationToken
    ) => inner.EnsureIndexesAsync(container, type, fields, cancellationToken);
}

public sealed class GraphQLCountingHost : DevHostFactory
{
    public CountingStore? Store { get; private set; }

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:GraphQL:MaxCost"] = "20000",
            ["Cx:GraphQL:MaxDepth"] = "8",
        };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IDocumentStore));
            services.AddSingleton<IDocumentStore>(sp => Store = new CountingStore((IDocumentStore)original.ImplementationFactory!(sp)));
        });
    }
}

/// <summary>
/// No N+1: a page of customers with relations (two levels), components and membership is read in a
/// constant number of store round trips whatever the page size; depth and cost limits refuse before
/// anything runs; automatic persisted queries by hash (POST and GET); entry mutations with the REST
/// validation, permissions and ETag preconditions.
/// </summary>
public sealed class GraphQLBatchTests(GraphQLCountingHost host) : IClassFixture<GraphQLCountingHost>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private HttpClient Raw(string token)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<JsonObject> PostAsync(JsonObject body, string? token = null)
    {
        var response = await Raw(token ?? host.IssueToken(Roles.Admin))
            .PostAsync("graphql", HttpAssertions.Json(body))
            .ShouldBeAsync(HttpStatusCode.OK);
        return await response.ReadObjectAsync();
    }

    private Task<JsonObject> QueryAsync(string query, JsonObject? variables = null, string? token = null) =>
        PostAsync(new JsonObject { ["query"] = query, ["variables"] = variables }, token);

    private static string? Code(JsonObject result) => result["errors"]?[0]?["extensions"]?["code"]?.GetValue<string>();

    private static SemaphoreSlim SchemaGate { get; } = new(1, 1);
    private static bool _related;

    /// <summary>Adds relations to the customer type once per host: referredBy (one) and friends (many).</summary>
    private async Task EnsureRelationsAsync()
    {
        await SchemaGate.WaitAsync();
        try
        {
            if (_related)
            {
                return;
            }
            var current = await _admin.GetAsync("content-types/customer").ShouldBeAsync(HttpStatusCode.OK);
            var type = await current.ReadObjectAsync();
            var fields = type["fields"]!.AsArray();
            fields.Add(
                new JsonObject
                {
                    ["name"] = "referredBy",
                    ["type"] = "relation",
                    ["target"] = "customer",
                }
            );
            fields.Add(
                new JsonObject
                {
                    ["name"] = "friends",
                    ["type"] = "relation",
                    ["target"] = "customer",
                    ["many"] = true,
                    ["maxItems"] = 10,
                }
            );
            using var put = new HttpRequestMessage(HttpMethod.Put, "content-types/customer") { Content = HttpAssertions.Json(type) };
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            await _admin.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
            _related = true;
        }
        finally
        {
            SchemaGate.Release();
        }
    }

    [Fact]
    public async Task Should_read_a_page_of_customers_with_relations_and_membership_in_a_constant_number_of_round_trips()
    {
        await EnsureRelationsAsync();
        var run = Guid.NewGuid().ToString("n")[..6];
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var body = new JsonObject
            {
                ["id"] = $"n1-{run}-{i:D2}",
                ["email"] = $"n1-{run}-{i:D2}@example.com",
                ["loyaltyTier"] = "bronze",
                ["preferences"] = new JsonObject { ["language"] = "en" },
            };
            if (i > 0)
            {
                body["referredBy"] = ids[i - 1];
            }
            if (i > 1)
            {
                body["friends"] = new JsonArray(ids[0], ids[i - 1]);
            }
            await _admin.PostAsync("customers", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.Created);
            ids.Add($"n1-{run}-{i:D2}");
        }
        var token = host.IssueToken(Roles.Admin, subject: CountingStore.Subject);
        const string Query =
            "query($first: Int) { customers(filter: [{field: \"loyaltyTier\", value: \"bronze\"}], first: $first) { nodes { "
            + "email preferences { language } segmentMembership { segment } referredBy { email referredBy { email } } friends { email } } } }";

        var counts = new List<(int Data, string[] Calls)>();
        foreach (var first in new[] { 5, 25 })
        {
            await QueryAsync(Query, new JsonObject { ["first"] = first }, token); // the schema is built once per change
            host.Store!.Calls.Clear();
            var result = await QueryAsync(Query, new JsonObject { ["first"] = first }, token);
            Assert.True(result["errors"] is null, result.ToJsonString());
            var nodes = result["data"]!["customers"]!["nodes"]!.AsArray();
            Assert.Equal(first, nodes.Count);
            Assert.Equal($"n1-{run}-01@example.com", nodes[2]!["referredBy"]!["email"]!.GetValue<string>());
            Assert.Equal($"n1-{run}-00@example.com", nodes[2]!["referredBy"]!["referredBy"]!["email"]!.GetValue<string>());
            Assert.Equal(2, nodes[3]!["friends"]!.AsArray().Count);
            var calls = host.Store.Calls.ToArray();
            counts.Add((calls.Count(c => !c.EndsWith(":" + Containers.Definitions, StringComparison.Ordinal)), calls));
        }
        // One query for the page and one batched read of the related customers; the second level
        // (referredBy of referredBy) is already in the request's loader. Definitions (the schema's
        // fingerprint, refreshed on every request here as the tests set the definition cache to 0) apart.
        Assert.True(counts[1].Data <= 3, string.Join(", ", counts[1].Calls));
        Assert.Equal(counts[0].Data, counts[1].Data);
        Assert.Equal(
            ["query:customers", "read-many:customers"],
            counts[1].Calls.Where(c => !c.EndsWith(":definitions", StringComparison.Ordinal))
        );
    }

    [Fact]
    public async Task Should_refuse_documents_too_deep_or_too_costly_before_anything_runs()
    {
        await EnsureRelationsAsync();
        var deep = await QueryAsync(
            "{ customers { nodes { referredBy { referredBy { referredBy { referredBy { referredBy { referredBy { referredBy { email } } } } } } } } } }"
        );
        Assert.Null(deep["data"]);
        Assert.Contains("nested", deep["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        var costly = await QueryAsync("{ customers(first: 100) { nodes { friends { friends { friends { email } } } } } }");
        Assert.Null(costly["data"]);
        Assert.Contains("complex", costly["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Should_run_automatic_persisted_queries_by_hash_over_post_and_get()
    {
        var query = "{ __typename q" + Guid.NewGuid().ToString("n")[..6] + ": __typename }";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(query)));
        JsonObject Extensions(string sha) =>
            new()
            {
                ["persistedQuery"] = new JsonObject { ["version"] = 1, ["sha256Hash"] = sha },
            };

        var unknown = await PostAsync(new JsonObject { ["extensions"] = Extensions(hash) });
        Assert.Equal("PERSISTED_QUERY_NOT_FOUND", Code(unknown));
        var mismatch = await PostAsync(new JsonObject { ["query"] = query, ["extensions"] = Extensions(new string('0', 64)) });
        Assert.Equal("PERSISTED_QUERY_HASH_MISMATCH", Code(mismatch));
        var registered = await PostAsync(new JsonObject { ["query"] = query, ["extensions"] = Extensions(hash) });
        Assert.Equal("Query", registered["data"]!["__typename"]!.GetValue<string>());

        var byHash = await PostAsync(new JsonObject { ["extensions"] = Extensions(hash) });
        Assert.Equal("Query", byHash["data"]!["__typename"]!.GetValue<string>());
        var get = await Raw(host.IssueToken(Roles.Admin))
            .GetAsync("graphql?extensions=" + Uri.EscapeDataString(Extensions(hash).ToJsonString()))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("Query", (await get.ReadObjectAsync())["data"]!["__typename"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_write_entries_with_the_rest_validation_permissions_and_etag_preconditions()
    {
        var id = "m-" + Guid.NewGuid().ToString("n")[..8];
        const string Create = "mutation($data: JSON!) { createEntry(type: \"customer\", data: $data) { id etag entry } }";
        var created = await QueryAsync(
            Create,
            new JsonObject
            {
                ["data"] = new JsonObject { ["id"] = id, ["email"] = id + "@Example.com" },
            }
        );
        Assert.Null(created["errors"]);
        var etag = created["data"]!["createEntry"]!["etag"]!.GetValue<string>();
        Assert.Equal(id + "@example.com", created["data"]!["createEntry"]!["entry"]!["email"]!.GetValue<string>());
        var rest = await _admin.GetAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(rest.Headers.ETag!.Tag, etag);

        var invalid = await QueryAsync(
            Create,
            new JsonObject
            {
                ["data"] = new JsonObject { ["email"] = "not an email", ["shoeSize"] = 9 },
            }
        );
        Assert.Equal("VALIDATION_FAILED", Code(invalid));
        var pointers = invalid["errors"]![0]!["extensions"]!["data"]!["errors"]!
            .AsArray()
            .Select(e => e!["argument"]!.GetValue<string>())
            .ToList();
        Assert.Contains("/email", pointers);
        Assert.Contains("/shoeSize", pointers);

        const string Patch =
            "mutation($id: ID!, $etag: String) { patchEntry(type: \"customer\", id: $id, data: {loyaltyTier: \"gold\"}, ifMatch: $etag) { etag entry } }";
        var stale = await QueryAsync(Patch, new JsonObject { ["id"] = id, ["etag"] = "\"stale\"" });
        Assert.Equal("PRECONDITION_FAILED", Code(stale));
        var patched = await QueryAsync(Patch, new JsonObject { ["id"] = id, ["etag"] = etag });
        Assert.Null(patched["errors"]);
        Assert.Equal("gold", patched["data"]!["patchEntry"]!["entry"]!["loyaltyTier"]!.GetValue<string>());
        Assert.Equal("gold", (await (await _admin.GetAsync($"customers/{id}")).ReadObjectAsync())["loyaltyTier"]!.GetValue<string>());

        // A customer may change itself but not another customer, and may not delete.
        var self = host.IssueToken(Roles.Customer, id);
        var other = await QueryAsync(Patch, new JsonObject { ["id"] = "someone-else", ["etag"] = null }, self);
        Assert.Equal("FORBIDDEN", Code(other));
        var delete = "mutation($id: ID!) { deleteEntry(type: \"customer\", id: $id) }";
        Assert.Equal("FORBIDDEN", Code(await QueryAsync(delete, new JsonObject { ["id"] = id }, self)));
        Assert.True((await QueryAsync(delete, new JsonObject { ["id"] = id }))["data"]!["deleteEntry"]!.GetValue<bool>());
        await _admin.GetAsync($"customers/{id}").ShouldBeAsync(HttpStatusCode.NotFound);
    }
}
