using System.Security.Cryptography;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Portability.Snapshots;
using Microsoft.Data.Sqlite;
using Parquet;
using Parquet.Schema;

namespace Cx.Embedded.Portability.Snapshots;

/// <summary>
/// Loads a snapshot into an EMPTY embedded store (ADR 0445). First every file is checked against the
/// manifest (size and SHA-256) and the target is checked empty; any failure refuses the whole restore
/// before anything is written. Then each database is built in a new file beside its target (tables,
/// rows, indexes, AUTOINCREMENT counters) and, once all are built, moved into place: a failure while
/// building leaves the target as it was.
/// </summary>
public sealed class SqliteSnapshotRestore(SqliteSnapshotTables files)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads a file of the snapshot by its name in the snapshot (null: missing).</summary>
    public delegate Task<byte[]?> FileReader(string name, CancellationToken cancellationToken);

    /// <summary>A reader of a snapshot folder on disk (the folder holding manifest.json).</summary>
    public static FileReader Folder(string folder) =>
        async (name, cancellationToken) =>
        {
            var path = Path.Combine(folder, name.Replace('/', Path.DirectorySeparatorChar));
            return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken) : null;
        };

    /// <summary>Restores the snapshot; returns its manifest. Throws <see cref="SnapshotRestoreException"/> when refused.</summary>
    public async Task<SnapshotManifest> RestoreAsync(FileReader read, CancellationToken cancellationToken)
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
        if (manifest.FormatVersion != SnapshotManifest.CurrentFormat || manifest.Store != "sqlite")
        {
            throw new SnapshotRestoreException(
                "unsupported-snapshot",
                $"The snapshot is format {manifest.FormatVersion} of store '{manifest.Store}'; this store restores format {SnapshotManifest.CurrentFormat} of 'sqlite'."
            );
        }
        var targets = files.Databases().ToDictionary(d => d.Name, d => d.Path, StringComparer.Ordinal);
        var tables = manifest.Tables.ToDictionary(t => (t.Database, t.Name));
        var problems = new List<string>();
        foreach (var file in manifest.Files)
        {
            if (!tables.ContainsKey((file.Database, file.Table)) || !targets.ContainsKey(file.Database))
            {
                problems.Add($"{file.Name}: its table {file.Database}.{file.Table} is not in the manifest's tables");
                continue;
            }
            var content = await read(file.Name, cancellationToken);
            if (Check(file, content) is { } problem)
            {
                problems.Add(problem);
            }
        }
        if (problems.Count > 0)
        {
            throw new SnapshotRestoreException(
                "snapshot-corrupt",
                $"Nothing was restored: {problems.Count} file(s) do not match the manifest: " + string.Join("; ", problems.Take(20)) + "."
            );
        }
        foreach (var database in manifest.Tables.Select(t => t.Database).Distinct())
        {
            if (!targets.TryGetValue(database, out var path))
            {
                throw new SnapshotRestoreException(
                    "unsupported-snapshot",
                    $"The snapshot holds database '{database}', which this store does not have."
                );
            }
            if (NonEmpty(path) is { } holder)
            {
                throw new SnapshotRestoreException(
                    "store-not-empty",
                    $"Nothing was restored: the target store is not empty ({database}: table '{holder}' has rows in {path}). "
                        + "Restore into a new data folder (Cx:Storage:Sqlite:Path) that no host has used."
                );
            }
        }
        var built = new List<(string Temporary, string Target)>();
        try
        {
            foreach (var group in manifest.Tables.GroupBy(t => t.Database))
            {
                var target = targets[group.Key];
                var temporary = target + ".restore-" + Guid.NewGuid().ToString("n");
                built.Add((temporary, target));
                await BuildAsync(
                    temporary,
                    [.. group],
                    manifest.Files.Where(f => f.Database == group.Key).ToList(),
                    read,
                    cancellationToken
                );
            }
        }
        catch
        {
            foreach (var (temporary, _) in built)
            {
                DeleteDatabase(temporary);
            }
            throw;
        }
        foreach (var (temporary, target) in built)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            DeleteDatabase(target);
            File.Move(temporary, target);
        }
        return manifest;
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

    /// <summary>The first table with rows in the file at <paramref name="path"/>, or null (no file, or no rows).</summary>
    private static string? NonEmpty(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var connection = SqliteSnapshotTables.Open(path, readOnly: true);
        var names = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText =
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }
        foreach (var name in names)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT EXISTS (SELECT 1 FROM {SqliteSnapshotTables.Quote(name)})";
            if ((long)command.ExecuteScalar()! != 0)
            {
                return name;
            }
        }
        return null;
    }

    private static void DeleteDatabase(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }

    private static async Task BuildAsync(
        string path,
        IReadOnlyList<SnapshotTable> tables,
        IReadOnlyList<SnapshotFile> parts,
        FileReader read,
        CancellationToken cancellationToken
    )
    {
        await using var connection = SqliteSnapshotTables.Open(path, readOnly: false);
        Execute(connection, "PRAGMA journal_mode = WAL");
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in tables)
        {
            Execute(connection, table.Sql);
            foreach (var file in parts.Where(f => f.Table == table.Name).OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                // Read again and checked again: the bytes loaded are the bytes verified.
                var content = await read(file.Name, cancellationToken);
                if (Check(file, content) is { } problem)
                {
                    throw new SnapshotRestoreException("snapshot-corrupt", "Nothing was restored: " + problem + ".");
                }
                var rows = await LoadAsync(connection, table, content!, cancellationToken);
                if (rows != file.Rows)
                {
                    throw new SnapshotRestoreException(
                        "snapshot-corrupt",
                        $"Nothing was restored: {file.Name} holds {rows} rows, the manifest says {file.Rows}."
                    );
                }
            }
            foreach (var index in table.Indexes)
            {
                Execute(connection, index);
            }
            if (table.Sequence is { } sequence)
            {
                using var command = connection.CreateCommand();
                command.CommandText =
                    "UPDATE sqlite_sequence SET seq = max(seq, $seq) WHERE name = $t; "
                    + "INSERT INTO sqlite_sequence (name, seq) SELECT $t, $seq WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = $t)";
                command.Parameters.AddWithValue("$t", table.Name);
                command.Parameters.AddWithValue("$seq", sequence);
                command.ExecuteNonQuery();
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<long> LoadAsync(
        SqliteConnection connection,
        SnapshotTable table,
        byte[] content,
        CancellationToken cancellationToken
    )
    {
        using var stream = new MemoryStream(content, writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
        var fields = reader.Schema.GetDataFields();
        if (fields.Length != table.Columns.Count || fields.Zip(table.Columns).Any(p => p.First.Name != p.Second.Name))
        {
            throw new SnapshotRestoreException(
                "snapshot-corrupt",
                $"Nothing was restored: a file of {table.Database}.{table.Name} has columns [{string.Join(", ", fields.Select(f => f.Name))}], the manifest says [{string.Join(", ", table.Columns.Select(c => c.Name))}]."
            );
        }
        using var insert = connection.CreateCommand();
        var names = table.Columns.Select(c =>
            c.Name == SqliteSnapshotTables.RowIdColumn && table.RowIdColumn ? "rowid" : SqliteSnapshotTables.Quote(c.Name)
        );
        insert.CommandText =
            $"INSERT INTO {SqliteSnapshotTables.Quote(table.Name)} ({string.Join(", ", names)}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => "$p" + i))})";
        var parameters = table.Columns.Select((_, i) => insert.Parameters.Add("$p" + i, SqliteType.Text)).ToArray();
        long total = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rows = (int)group.RowCount;
            var columns = new object?[fields.Length][];
            for (var c = 0; c < fields.Length; c++)
            {
                columns[c] = await ReadColumnAsync(group, fields[c], table.Columns[c].Kind, rows, cancellationToken);
            }
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < fields.Length; c++)
                {
                    var value = columns[c][r];
                    parameters[c].SqliteType = table.Columns[c].Kind switch
                    {
                        "integer" => SqliteType.Integer,
                        "real" => SqliteType.Real,
                        "text" => SqliteType.Text,
                        _ => SqliteType.Blob,
                    };
                    parameters[c].Value = value ?? DBNull.Value;
                }
                insert.ExecuteNonQuery();
            }
            total += rows;
        }
        return total;
    }

    private static async Task<object?[]> ReadColumnAsync(
        ParquetRowGroupReader group,
        DataField field,
        string kind,
        int rows,
        CancellationToken cancellationToken
    )
    {
        switch (kind)
        {
            case "integer":
            {
                var values = new long?[rows];
                await group.ReadAsync<long>(field, values.AsMemory(), cancellationToken: cancellationToken);
                return [.. values.Select(v => (object?)v)];
            }
            case "real":
            {
                var values = new double?[rows];
                await group.ReadAsync<double>(field, values.AsMemory(), cancellationToken: cancellationToken);
                return [.. values.Select(v => (object?)v)];
            }
            case "text":
            {
                var values = new string?[rows];
                await group.ReadAsync(field, values.AsMemory(), cancellationToken: cancellationToken);
                return [.. values.Select(v => (object?)v)];
            }
            default:
            {
                var values = new byte[]?[rows];
                await group.ReadAsync(field, values.AsMemory(), cancellationToken: cancellationToken);
                return [.. values.Select(v => (object?)v)];
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
