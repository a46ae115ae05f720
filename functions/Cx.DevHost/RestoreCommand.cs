using Cx.Core.Portability.Snapshots;
using Cx.Embedded.Portability.Snapshots;

namespace Cx.DevHost;

/// <summary>
/// <c>restore SNAPSHOT</c>: loads a snapshot (ADR 0445) into the configured embedded store, which must be
/// empty. SNAPSHOT is the folder holding a snapshot's manifest.json, or a snapshot id in the configured
/// blob container (<c>Cx:Snapshots:Container</c> under <c>Cx:Blob:Local:Path</c>). Every file is checked
/// against the manifest first; a corrupted or missing file, or a store with data, refuses the whole
/// restore and writes nothing. Exits 0 when restored, 1 when refused, 2 on a usage error.
/// </summary>
public static class RestoreCommand
{
    public static async Task<int> RunAsync(string[] args, IServiceProvider services)
    {
        if (args.Length != 1)
        {
            return await UsageAsync("restore takes one argument: a snapshot folder (holding manifest.json) or a snapshot id.");
        }
        var restore = services.GetService<SqliteSnapshotRestore>();
        if (restore is null)
        {
            return await UsageAsync("restore needs the embedded SQLite store (Cx:Storage:Provider=Sqlite).");
        }
        SqliteSnapshotRestore.FileReader read;
        if (Directory.Exists(args[0]))
        {
            read = SqliteSnapshotRestore.Folder(args[0]);
        }
        else if (SnapshotService.IsSnapshotId(args[0]))
        {
            var snapshots = services.GetRequiredService<SnapshotService>();
            var id = args[0];
            read = async (name, cancellationToken) => await snapshots.ReadFileAsync(id, name, cancellationToken);
        }
        else
        {
            return await UsageAsync($"'{args[0]}' is neither a folder nor a snapshot id (snap-...).");
        }
        try
        {
            var manifest = await restore.RestoreAsync(read, CancellationToken.None);
            await Console.Out.WriteLineAsync(
                $"Restored {manifest.SnapshotId}: {manifest.Rows} rows in {manifest.Tables.Count} tables from {manifest.Files.Count} files."
            );
            return 0;
        }
        catch (SnapshotRestoreException ex)
        {
            await Console.Error.WriteLineAsync($"Refused ({ex.Code}): {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> UsageAsync(string message)
    {
        await Console.Error.WriteLineAsync(message + " Usage: Cx.DevHost restore <snapshot-folder | snap-id> [--settings PATH]");
        return 2;
    }
}
