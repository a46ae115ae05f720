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
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

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

    [Fact]
    public async Task Should_restore_a_snapshot_into_empty_containers_with_every_document_equal_and_unique_values_kept()
    {
        await using var source = await CosmosTestStore.CreateAsync(server);
        await source.Containers.InitializeAsync(default);
        await SeedAsync(source.Store);
        var snapshots = Service(source);
        var manifest = await SnapshotAsync(snapshots, "snap-cosmos-2");
        await using var target = await CosmosTestStore.CreateAsync(server);
        var restore = new CosmosSnapshotRestore(target.Containers);

        var (restored, documents) = await restore.RestoreAsync(
            (name, token) => snapshots.ReadFileAsync("snap-cosmos-2", name, token).AsTask(),
            default
        );

        Assert.Equal("snap-cosmos-2", restored.SnapshotId);
        Assert.Equal(manifest.Rows, documents);
        foreach (var name in CosmosSnapshotSource.ContainerNames())
        {
            var before = await ReadAllAsync(CosmosSnapshotSource.Container(source.Containers, name));
            var after = await ReadAllAsync(CosmosSnapshotSource.Container(target.Containers, name));
            Assert.Equal(before.Keys.Order().ToArray(), after.Keys.Order().ToArray());
            foreach (var (key, (_, body)) in before)
            {
                Assert.Equal(body, after[key].Item2);
            }
        }
        var read = await target.Store.ReadAsync(Containers.Customers, new DocumentKey("p1", "c001"), default);
        Assert.Contains("Renamed", Encoding.UTF8.GetString(read!.Json.Span), StringComparison.Ordinal);
        Assert.Null(await target.Store.ReadAsync(Containers.Customers, new DocumentKey("p2", "c002"), default));
        // The unique-value reservations came back: the restored store still refuses a taken e-mail.
        await Assert.ThrowsAsync<UniqueValueTakenException>(async () =>
            await target.Store.CreateAsync(
                Containers.Customers,
                new DocumentWrite("c999", "p0", "customer", """{"name":"Dup"}"""u8.ToArray())
                {
                    UniqueValues = [new UniqueValue("customer.email", "c5@example.com")],
                },
                default
            )
        );

        // Containers that hold documents now: refused, nothing written.
        var refused = await Assert.ThrowsAsync<SnapshotRestoreException>(() =>
            restore.RestoreAsync((name, token) => snapshots.ReadFileAsync("snap-cosmos-2", name, token).AsTask(), default)
        );
        Assert.Equal("store-not-empty", refused.Code);
        Assert.Equal(
            (await ReadAllAsync(target.Containers.Product(Containers.Customers))).Count,
            (await ReadAllAsync(source.Containers.Product(Containers.Customers))).Count
        );
    }

    [Fact]
    public async Task Should_refuse_a_changed_or_missing_part_or_a_sqlite_snapshot_before_writing_anything()
    {
        await using var source = await CosmosTestStore.CreateAsync(server);
        await source.Containers.InitializeAsync(default);
        await SeedAsync(source.Store);
        var snapshots = Service(source);
        var manifest = await SnapshotAsync(snapshots, "snap-cosmos-3");
        await using var target = await CosmosTestStore.CreateAsync(server);
        var restore = new CosmosSnapshotRestore(target.Containers);
        var changed = manifest.Files.Last(f => f.Table == Containers.Customers).Name;
        var missing = manifest.Files.First(f => f.Table == Containers.Content).Name;

        var corrupt = await Assert.ThrowsAsync<SnapshotRestoreException>(() =>
            restore.RestoreAsync(
                async (name, token) =>
                {
                    if (name == missing)
                    {
                        return null;
                    }
                    var bytes = await snapshots.ReadFileAsync("snap-cosmos-3", name, token);
                    if (name == changed)
                    {
                        bytes![bytes.Length / 2] ^= 0xFF;
                    }
                    return bytes;
                },
                default
            )
        );

        Assert.Equal("snapshot-corrupt", corrupt.Code);
        Assert.Contains(changed, corrupt.Message, StringComparison.Ordinal);
        Assert.Contains(missing + " is missing", corrupt.Message, StringComparison.Ordinal);
        await target.Containers.InitializeAsync(default);
        foreach (var name in CosmosSnapshotSource.ContainerNames())
        {
            Assert.Empty(await ReadAllAsync(CosmosSnapshotSource.Container(target.Containers, name)));
        }

        var sqlite = await Assert.ThrowsAsync<SnapshotRestoreException>(() =>
            restore.RestoreAsync(
                (name, token) =>
                    Task.FromResult<byte[]?>(
                        name == SnapshotManifest.FileName
                            ? JsonSerializer.SerializeToUtf8Bytes(manifest with { Store = "sqlite" }, WebJson)
                            : null
                    ),
                default
            )
        );
        Assert.Equal("unsupported-snapshot", sqlite.Code);
        var none = await Assert.ThrowsAsync<SnapshotRestoreException>(() =>
            restore.RestoreAsync((_, _) => Task.FromResult<byte[]?>(null), default)
        );
        Assert.Equal("no-manifest", none.Code);
    }
}
