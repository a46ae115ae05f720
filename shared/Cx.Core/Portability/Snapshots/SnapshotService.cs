using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Blobs;
using Cx.Core.Common;
using Microsoft.Extensions.Options;

namespace Cx.Core.Portability.Snapshots;

/// <summary>
/// Snapshots of the whole store to blob storage (ADR 0444): the steps the Durable orchestration calls.
/// Plan (tables and parts), write each part as a Parquet file (the same file and checksum when an
/// activity is replayed), write the manifest last, apply the retention policy. Reads: the complete
/// snapshots (those with a manifest) and one manifest.
/// </summary>
public sealed class SnapshotService(IBlobStore blobs, TimeProvider time, IOptions<SnapshotOptions> options, ISnapshotSource? source = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Snapshot ids: <c>snap-</c> and 1-58 letters, digits, '-' or '_' (a blob folder name).</summary>
    public static bool IsSnapshotId(string? value) =>
        value is { Length: > 5 and <= 64 }
        && value.StartsWith("snap-", StringComparison.Ordinal)
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The id of a snapshot started at <paramref name="at"/>: ids sort by time.</summary>
    public static string NewId(DateTimeOffset at) =>
        "snap-" + at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public string Container => options.Value.Container;

    private ISnapshotSource Source =>
        source
        ?? throw new ConflictException(
            "snapshots-unsupported",
            "Snapshots need the embedded SQLite store (Cx:Storage:Provider=Sqlite); this store has no snapshot adapter."
        );

    /// <summary>Whether the store has a snapshot adapter.</summary>
    public bool Supported => source is not null;

    public async Task<SnapshotPlan> PlanAsync(string snapshotId, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var (tables, parts) = await Source.PlanAsync(options.Value.PartRows, cancellationToken);
        return new SnapshotPlan(snapshotId, startedAt, Source.Store, tables, parts);
    }

    /// <summary>
    /// Writes one part to <c>{snapshot}/{database}/{table}/part-NNNNN.parquet</c>, overwriting the file an
    /// earlier attempt of the same activity left: a replay writes the same rows, so the same bytes.
    /// </summary>
    public async Task<SnapshotFile> WritePartAsync(SnapshotPartRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var rows = await Source.WritePartAsync(request.Table, request.Part, buffer, cancellationToken);
        var content = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var name = request.SnapshotId + "/" + request.Part.FileName;
        await blobs.PutAsync(Container, name, content, "application/vnd.apache.parquet", cancellationToken);
        return new SnapshotFile(
            request.Part.FileName,
            request.Part.Database,
            request.Part.Table,
            rows,
            content.Length,
            Convert.ToHexStringLower(SHA256.HashData(content.Span))
        );
    }

    /// <summary>Writes the manifest: the last file of a snapshot, which makes it complete.</summary>
    public async Task<SnapshotManifest> WriteManifestAsync(SnapshotManifestRequest request, CancellationToken cancellationToken)
    {
        var plan = request.Plan;
        var manifest = new SnapshotManifest(
            SnapshotManifest.CurrentFormat,
            plan.SnapshotId,
            plan.Store,
            plan.StartedAt,
            time.GetUtcNow(),
            request.Files.Sum(f => f.Rows),
            request.Files.Sum(f => f.Bytes),
            plan.Tables,
            [.. request.Files.OrderBy(f => f.Name, StringComparer.Ordinal)]
        );
        await blobs.PutAsync(
            Container,
            plan.SnapshotId + "/" + SnapshotManifest.FileName,
            JsonSerializer.SerializeToUtf8Bytes(manifest, Json),
            "application/json",
            cancellationToken
        );
        return manifest;
    }

    /// <summary>The manifest of a complete snapshot, or null (unknown or incomplete).</summary>
    public async Task<SnapshotManifest?> GetAsync(string snapshotId, CancellationToken cancellationToken)
    {
        var bytes = await blobs.GetAsync(Container, snapshotId + "/" + SnapshotManifest.FileName, cancellationToken);
        return bytes is null ? null : JsonSerializer.Deserialize<SnapshotManifest>(bytes, Json);
    }

    /// <summary>The complete snapshots, newest first.</summary>
    public async Task<IReadOnlyList<SnapshotManifest>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<SnapshotManifest>();
        foreach (var id in (await FoldersAsync(cancellationToken)).Where(f => f.Complete).Select(f => f.Id))
        {
            if (await GetAsync(id, cancellationToken) is { } manifest)
            {
                list.Add(manifest);
            }
        }
        return [.. list.OrderByDescending(m => m.StartedAt).ThenByDescending(m => m.SnapshotId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The retention policy: keeps the newest <see cref="SnapshotOptions.KeepCount"/> complete snapshots and
    /// every complete one younger than <see cref="SnapshotOptions.KeepDays"/>; deletes the other complete
    /// ones and incomplete ones older than <see cref="SnapshotOptions.IncompleteHours"/>, except
    /// <paramref name="running"/>. The newest complete snapshot is never deleted.
    /// </summary>
    public async Task<SnapshotRetentionResult> ApplyRetentionAsync(string? running, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var folders = await FoldersAsync(cancellationToken);
        var complete = new List<(string Id, DateTimeOffset StartedAt)>();
        foreach (var folder in folders.Where(f => f.Complete))
        {
            if (await GetAsync(folder.Id, cancellationToken) is { } manifest)
            {
                complete.Add((folder.Id, manifest.StartedAt));
            }
        }
        var ordered = complete.OrderByDescending(c => c.StartedAt).ThenByDescending(c => c.Id, StringComparer.Ordinal).ToList();
        var deleted = new List<string>();
        var kept = new List<string>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var (id, startedAt) = ordered[i];
            var keep = i < settings.KeepCount || (settings.KeepDays > 0 && now - startedAt < TimeSpan.FromDays(settings.KeepDays));
            if (keep)
            {
                kept.Add(id);
                continue;
            }
            await DeleteFolderAsync(id, cancellationToken);
            deleted.Add(id);
        }
        foreach (var folder in folders.Where(f => !f.Complete && f.Id != running))
        {
            if (now - folder.LastModified > TimeSpan.FromHours(settings.IncompleteHours))
            {
                await DeleteFolderAsync(folder.Id, cancellationToken);
                deleted.Add(folder.Id);
            }
        }
        return new SnapshotRetentionResult(deleted, kept);
    }

    /// <summary>Reads one file of a snapshot (the restore's source when the snapshot is in blob storage).</summary>
    public ValueTask<byte[]?> ReadFileAsync(string snapshotId, string name, CancellationToken cancellationToken) =>
        blobs.GetAsync(Container, snapshotId + "/" + name, cancellationToken);

    private async Task DeleteFolderAsync(string id, CancellationToken cancellationToken)
    {
        // The manifest first: a snapshot half deleted is an incomplete one, never a complete one missing files.
        await blobs.DeleteAsync(Container, id + "/" + SnapshotManifest.FileName, cancellationToken);
        var names = new List<string>();
        await foreach (var blob in blobs.ListAsync(Container, id + "/", cancellationToken))
        {
            names.Add(blob.Name);
        }
        foreach (var name in names)
        {
            await blobs.DeleteAsync(Container, name, cancellationToken);
        }
    }

    private sealed record Folder(string Id, bool Complete, DateTimeOffset LastModified);

    private async Task<List<Folder>> FoldersAsync(CancellationToken cancellationToken)
    {
        var folders = new Dictionary<string, Folder>(StringComparer.Ordinal);
        await foreach (var blob in blobs.ListAsync(Container, "snap-", cancellationToken))
        {
            var slash = blob.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                continue;
            }
            var id = blob.Name[..slash];
            var complete = blob.Name.AsSpan(slash + 1).SequenceEqual(SnapshotManifest.FileName);
            folders[id] = folders.TryGetValue(id, out var known)
                ? known with
                {
                    Complete = known.Complete || complete,
                    LastModified = blob.LastModified > known.LastModified ? blob.LastModified : known.LastModified,
                }
                : new Folder(id, complete, blob.LastModified);
        }
        return [.. folders.Values];
    }
}
