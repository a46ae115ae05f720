using System.Text;
using System.Text.Json;
using Cx.Azure.Blobs;
using Cx.Azure.Cosmos;
using Cx.Azure.Portability.Snapshots;
using Cx.Core.Documents;
using Cx.Core.Portability.Snapshots;
using Cx.Integration.Tests.Azure;
using Cx.Integration.Tests.Contracts.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Portability;

/// <summary>
/// Snapshots of the Cosmos DB store (ADR 0444) against the Cosmos DB protocol server, with the files in
/// Azurite: one Parquet part per container and feed range, every document of every snapshotted container
/// in it with its partition key, id, ETag and body.
/// </summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosSnapshotTests(CosmosServerFixture server, AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly string _container = "snapshots-" + Guid.NewGuid().ToString("n")[..10];

    internal static async Task SeedAsync(IDocumentStore store)
    {
        for (var i = 0; i < 25; i++)
        {
            var json = $$"""{"name":"Customer {{i}}","tier":{{i % 3}},"tags":["a","b{{i}}"],"note":"ünïcode ✓ {{i}}"}""";
            await store.CreateAsync(
                Containers.Customers,
                new DocumentWrite($"c{i:D3}", $"p{i % 4}", "customer", Encoding.UTF8.GetBytes(json))
                {
                    UniqueValues = [new UniqueValue("customer.email", $"c{i}@example.com")],
                },
                default
            );
        }
        // A second version and a delete: the snapshot holds the current state.
        await store.ReplaceAsync(
            Containers.Customers,
            new DocumentWrite("c001", "p1", "customer", """{"name":"Renamed","tier":9}"""u8.ToArray())
            {
                UniqueValues = [new UniqueValue("customer.email", "renamed@example.com")],
            },
            null,
            default
        );
        await store.DeleteAsync(Containers.Customers, new DocumentKey("p2", "c002"), null, default);
        await store.CreateAsync(
            Containers.Content,
            new DocumentWrite("page-1", "site", "page", """{"title":"Home"}"""u8.ToArray()),
            default
        );
    }

    /// <summary>Every document of a container as the server holds it: (pk, id) to (etag, body without system properties).</summary>
    internal static async Task<Dictionary<(string?, string), (string?, string)>> ReadAllAsync(Container container)
    {
        var all = new Dictionary<(string?, string), (string?, string)>();
        // A read feed (no query text): the protocol server serves no cross-partition query.
        using var iterator = container.GetItemQueryStreamIterator(queryText: null);
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync();
            response.EnsureSuccessStatusCode();
            using var page = await JsonDocument.ParseAsync(response.Content);
            foreach (var item in page.RootElement.GetProperty("Documents").EnumerateArray())
            {
                var pk = item.TryGetProperty("pk", out var p) ? p.GetString() : null;
                all.Add(
                    (pk, item.GetProperty("id").GetString()!),
                    (item.GetProperty("_etag").GetString(), CosmosSnapshotSource.Body(item))
                );
            }
        }
        return all;
    }

    internal static async Task<SnapshotManifest> SnapshotAsync(SnapshotService snapshots, string snapshotId)
    {
        var plan = await snapshots.PlanAsync(snapshotId, new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero), default);
        var files = new List<SnapshotFile>();
        foreach (var part in plan.Parts)
        {
            var table = plan.Tables.Single(t => t.Database == part.Database && t.Name == part.Table);
            files.Add(await snapshots.WritePartAsync(new SnapshotPartRequest(snapshotId, table, part), default));
        }
        return await snapshots.WriteManifestAsync(new SnapshotManifestRequest(plan, files), default);
    }

    internal SnapshotService Service(CosmosTestStore cosmos) =>
        new(
            new AzureBlobStore(azurite.Service),
            new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 2, 5, 0, TimeSpan.Zero)),
            Options.Create(new SnapshotOptions { Container = _container }),
            new CosmosSnapshotSource(cosmos.Containers)
        );

    [Fact]
    public async Task Should_write_every_document_of_every_container_with_its_etag_as_parquet_parts_and_a_manifest()
    {
        await using var cosmos = await CosmosTestStore.CreateAsync(server);
        await cosmos.Containers.InitializeAsync(default);
        await SeedAsync(cosmos.Store);
        var snapshots = Service(cosmos);

        var manifest = await SnapshotAsync(snapshots, "snap-cosmos-1");

        Assert.Equal("cosmos", manifest.Store);
        Assert.Equal(
            [.. Containers.All.Append(CosmosContainers.Uniques).Order(StringComparer.Ordinal)],
            manifest.Tables.Select(t => t.Name).Order(StringComparer.Ordinal).ToArray()
        );
        Assert.DoesNotContain(manifest.Tables, t => t.Name == CosmosContainers.Leases);
        Assert.All(manifest.Tables, t => Assert.Equal(["pk", "id", "etag", "ts", "body"], t.Columns.Select(c => c.Name)));
        var expectedRows = 0L;
        foreach (var name in CosmosSnapshotSource.ContainerNames())
        {
            var container = name == CosmosContainers.Uniques ? cosmos.Containers.Internal(name) : cosmos.Containers.Product(name);
            var stored = await ReadAllAsync(container);
            expectedRows += stored.Count;
            var rows = new List<CosmosSnapshotRow>();
            var parts = manifest.Files.Where(f => f.Table == name).ToList();
            Assert.NotEmpty(parts);
            foreach (var file in parts)
            {
                var bytes = (await snapshots.ReadFileAsync("snap-cosmos-1", file.Name, default))!;
                Assert.Equal(file.Bytes, bytes.LongLength);
                Assert.Equal(file.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
                var read = await CosmosSnapshotSource.ReadPartAsync(new MemoryStream(bytes), default);
                Assert.Equal(file.Rows, read.Count);
                rows.AddRange(read);
            }
            Assert.Equal(stored.Count, rows.Count);
            foreach (var row in rows)
            {
                var (etag, body) = stored[(row.PartitionKey, row.Id)];
                Assert.Equal(etag, row.ETag);
                Assert.Equal(body, row.Body);
                Assert.NotNull(row.Timestamp);
            }
        }
        Assert.Equal(expectedRows, manifest.Rows);
        // 24 customers (one deleted, its tombstone may stay) and their 24 unique e-mail reservations at least.
        var customers = await ReadAllAsync(cosmos.Containers.Product(Containers.Customers));
        Assert.Contains(customers, c => c.Key == ("p1", "c001") && c.Value.Item2.Contains("Renamed", StringComparison.Ordinal));
        Assert.True(manifest.Files.Where(f => f.Table == CosmosContainers.Uniques).Sum(f => f.Rows) >= 24);
        // Point reads through the store agree with the snapshot's rows (ETag and product JSON).
        var customerRows = new List<CosmosSnapshotRow>();
        foreach (var file in manifest.Files.Where(f => f.Table == Containers.Customers))
        {
            var bytes = (await snapshots.ReadFileAsync("snap-cosmos-1", file.Name, default))!;
            customerRows.AddRange(await CosmosSnapshotSource.ReadPartAsync(new MemoryStream(bytes), default));
        }
        for (var i = 0; i < 25; i++)
        {
            var read = await cosmos.Store.ReadAsync(Containers.Customers, new DocumentKey($"p{i % 4}", $"c{i:D3}"), default);
            if (i == 2)
            {
                Assert.Null(read);
                continue;
            }
            var row = customerRows.Single(r => r.Id == $"c{i:D3}");
            Assert.Equal(read!.ETag, CosmosItems.Unquote(row.ETag!));
            using var body = JsonDocument.Parse(row.Body);
            Assert.Equal(
                JsonSerializer.Serialize(JsonDocument.Parse(read.Json).RootElement),
                JsonSerializer.Serialize(JsonDocument.Parse(CosmosItems.ProductJson(body.RootElement)).RootElement)
            );
        }

        // A replayed part writes the same bytes.
        var plan = await snapshots.PlanAsync("snap-cosmos-1", manifest.StartedAt, default);
        var again = plan.Parts.First(p => p.Table == Containers.Customers);
        var rewritten = await snapshots.WritePartAsync(
            new SnapshotPartRequest("snap-cosmos-1", plan.Tables.Single(t => t.Name == again.Table), again),
            default
        );
        Assert.Equal(manifest.Files.Single(f => f.Name == again.FileName).Sha256, rewritten.Sha256);

        Assert.Equal(["snap-cosmos-1"], (await snapshots.ListAsync(default)).Select(m => m.SnapshotId));
    }
}
