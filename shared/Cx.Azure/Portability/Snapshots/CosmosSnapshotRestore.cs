using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Azure.Cosmos;
using Cx.Core.Portability.Snapshots;
using Microsoft.Azure.Cosmos;

namespace Cx.Azure.Portability.Snapshots;

/// <summary>
/// Loads a Cosmos DB snapshot into EMPTY containers (ADR 0445). First the manifest is checked (format,
/// store <c>cosmos</c>, every table a known container with the same fingerprint), then every file's size
/// and SHA-256, then that every target container holds no document; any failure refuses the restore
/// before anything is written. Then each row's body is created in its container under its partition
/// key. Cosmos DB assigns new <c>_etag</c> and <c>_ts</c> values: the ETags a client held before are
/// stale after a restore, and a tombstone's <c>ttl</c> counts from the restore.
/// </summary>
public sealed class CosmosSnapshotRestore(CosmosContainers containers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Documents written at once.</summary>
    public const int Parallelism = 8;

    /// <summary>Restores the snapshot <paramref name="read"/> reads files of; returns its manifest and the documents written.</summary>
    /// <exception cref="SnapshotRestoreException">Refused; nothing was written.</exception>
    public async Task<(SnapshotManifest Manifest, long Documents)> RestoreAsync(
        Func<string, CancellationToken, Task<byte[]?>> read,
        CancellationToken cancellationToken
    )
    {
        var manifestBytes =
            await read(SnapshotManifest.FileName, cancellationToken)
            ?? throw new SnapshotRestoreException("no-manifest", "The snapshot has no manifest.json: it is incomplete or not a snapshot.");
        SnapshotManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SnapshotManifest>(manifestBytes, Json) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new SnapshotRestoreException("bad-manifest", "manifest.json is not a snapshot manifest: " + ex.Message);
        }
        if (manifest.FormatVersion != SnapshotManifest.CurrentFormat || manifest.Store != CosmosSnapshotSource.StoreName)
        {
            throw new SnapshotRestoreException(
                "unsupported-snapshot",
                $"The snapshot is format {manifest.FormatVersion} of store '{manifest.Store}'; this store restores format {SnapshotManifest.CurrentFormat} of '{CosmosSnapshotSource.StoreName}'."
            );
        }
        var known = CosmosSnapshotSource.ContainerNames().ToHashSet(StringComparer.Ordinal);
        foreach (var table in manifest.Tables)
        {
            if (
                table.Database != CosmosSnapshotSource.DatabaseName
                || !known.Contains(table.Name)
                || table.Fingerprint != CosmosSnapshotSource.Describe(table.Name).Fingerprint
            )
            {
                throw new SnapshotRestoreException(
                    "unsupported-snapshot",
                    $"The snapshot's table {table.Database}.{table.Name} is not a container of this store in this layout."
                );
            }
        }
        var tables = manifest.Tables.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (file.Database != CosmosSnapshotSource.DatabaseName || !tables.Contains(file.Table))
            {
                problems.Add($"{file.Name}: its table {file.Database}.{file.Table} is not in the manifest's tables");
                continue;
            }
            var content = await read(file.Name, cancellationToken);
            if (Check(file, content) is { } problem)
            {
                problems.Add(problem);
                continue;
            }
            contents[file.Name] = content!;
        }
        if (problems.Count > 0)
        {
            throw new SnapshotRestoreException(
                "snapshot-corrupt",
                $"Nothing was restored: {problems.Count} file(s) do not match the manifest: " + string.Join("; ", problems.Take(20)) + "."
            );
        }
        await containers.InitializeAsync(cancellationToken);
        foreach (var name in tables.Order(StringComparer.Ordinal))
        {
            if (await HasDocumentsAsync(CosmosSnapshotSource.Container(containers, name), cancellationToken))
            {
                throw new SnapshotRestoreException(
                    "store-not-empty",
                    $"Nothing was restored: the container '{containers.Database.Id}/{name}' holds documents; restore into empty containers."
                );
            }
        }
        long documents = 0;
        foreach (var file in manifest.Files)
        {
            var container = CosmosSnapshotSource.Container(containers, file.Table);
            var rows = await CosmosSnapshotSource.ReadPartAsync(new MemoryStream(contents[file.Name]), cancellationToken);
            await Parallel.ForEachAsync(
                rows,
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (row, token) =>
                {
                    using var body = new MemoryStream(Encoding.UTF8.GetBytes(row.Body));
                    using var response = await container.CreateItemStreamAsync(
                        body,
                        row.PartitionKey is null ? PartitionKey.None : new PartitionKey(row.PartitionKey),
                        cancellationToken: token
                    );
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException(
                            $"Restoring {file.Table}/{row.Id} failed: {(int)response.StatusCode} {response.ErrorMessage}"
                        );
                    }
                    Interlocked.Increment(ref documents);
                }
            );
        }
        return (manifest, documents);
    }

    private static string? Check(SnapshotFile file, byte[]? content)
    {
        if (content is null)
        {
            return $"{file.Name} is missing";
        }
        if (content.LongLength != file.Bytes)
        {
            return $"{file.Name} has {content.LongLength} bytes, the manifest says {file.Bytes}";
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        return sha == file.Sha256 ? null : $"{file.Name} has SHA-256 {sha}, the manifest says {file.Sha256}";
    }

    private static async Task<bool> HasDocumentsAsync(Container container, CancellationToken cancellationToken)
    {
        // A read feed (no query text) of one item: served by Cosmos DB and by the protocol server alike.
        using var iterator = container.GetItemQueryStreamIterator(
            queryText: null,
            requestOptions: new QueryRequestOptions { MaxItemCount = 1 }
        );
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
            response.EnsureSuccessStatusCode();
            using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            if (page.RootElement.GetProperty("Documents").GetArrayLength() > 0)
            {
                return true;
            }
        }
        return false;
    }
}
