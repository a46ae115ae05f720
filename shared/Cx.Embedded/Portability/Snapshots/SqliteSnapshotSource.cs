using Cx.Core.Portability.Snapshots;
using Microsoft.Data.Sqlite;
using Parquet;
using Parquet.Schema;

namespace Cx.Embedded.Portability.Snapshots;

/// <summary>
/// Snapshots of the embedded SQLite files (ADR 0444). Every table is copied verbatim, column by column
/// (INTEGER as INT64, REAL as DOUBLE, TEXT as a UTF-8 string, BLOB as bytes, NULL as null), so a
/// restore rebuilds the same rows. Rowid tables are cut into row-id ranges fixed at planning time and
/// keep their row ids; tables without row id are read in primary-key order. Each part is read inside
/// one read transaction on its own read-only connection (WAL: writers are not blocked).
/// </summary>
public sealed class SqliteSnapshotSource(SqliteSnapshotTables files) : ISnapshotSource
{
    /// <summary>Rows per Parquet row group inside a part file.</summary>
    public const int RowGroupRows = 10_000;

    public string Store => "sqlite";

    public Task<(IReadOnlyList<SnapshotTable> Tables, IReadOnlyList<SnapshotPart> Parts)> PlanAsync(
        int partRows,
        CancellationToken cancellationToken
    )
    {
        var tables = new List<SnapshotTable>();
        var parts = new List<SnapshotPart>();
        foreach (var (database, path) in files.Databases())
        {
            if (!File.Exists(path))
            {
                continue;
            }
            using var connection = SqliteSnapshotTables.Open(path, readOnly: true);
            using var transaction = connection.BeginTransaction(deferred: true);
            foreach (var table in SqliteSnapshotTables.Describe(connection, database))
            {
                cancellationToken.ThrowIfCancellationRequested();
                tables.Add(table);
                parts.AddRange(table.OrderBy.Count > 0 ? ByPosition(connection, table, partRows) : ByRowId(connection, table, partRows));
            }
        }
        return Task.FromResult<(IReadOnlyList<SnapshotTable>, IReadOnlyList<SnapshotPart>)>((tables, parts));
    }

    private static IEnumerable<SnapshotPart> ByRowId(SqliteConnection connection, SnapshotTable table, int partRows)
    {
        var name = SqliteSnapshotTables.Quote(table.Name);
        long? max;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT max(rowid) FROM {name}";
            max = command.ExecuteScalar() is long m ? m : null;
        }
        if (max is null)
        {
            yield break;
        }
        var index = 0;
        long? from = long.MinValue;
        while (from is { } start)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT rowid FROM {name} WHERE rowid >= $from ORDER BY rowid LIMIT 1 OFFSET $n";
            command.Parameters.AddWithValue("$from", start);
            command.Parameters.AddWithValue("$n", partRows);
            var next = command.ExecuteScalar() is long n ? n : (long?)null;
            yield return new SnapshotPart(table.Database, table.Name, index++, start, next is { } b ? b - 1 : max, null, null);
            from = next;
        }
    }

    private static IEnumerable<SnapshotPart> ByPosition(SqliteConnection connection, SnapshotTable table, int partRows)
    {
        long count;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT count(*) FROM {SqliteSnapshotTables.Quote(table.Name)}";
            count = (long)command.ExecuteScalar()!;
        }
        for (long offset = 0, index = 0; offset < count; offset += partRows, index++)
        {
            yield return new SnapshotPart(table.Database, table.Name, (int)index, null, null, offset, partRows);
        }
    }

    public async Task<long> WritePartAsync(SnapshotTable table, SnapshotPart part, Stream output, CancellationToken cancellationToken)
    {
        var path =
            files.Databases().FirstOrDefault(d => d.Name == part.Database).Path
            ?? throw new InvalidOperationException($"No database '{part.Database}' in this store.");
        var fields = table.Columns.Select(SqliteSnapshotTables.Field).ToArray();
        var buffers = table.Columns.Select(c => ColumnBuffer.Create(c, RowGroupRows)).ToArray();
        using var connection = SqliteSnapshotTables.Open(path, readOnly: true);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var command = connection.CreateCommand();
        command.CommandText = SelectSql(table, part);
        if (part.From is { } from)
        {
            command.Parameters.AddWithValue("$from", from);
            command.Parameters.AddWithValue("$to", part.To!.Value);
        }
        else
        {
            command.Parameters.AddWithValue("$offset", part.Offset!.Value);
            command.Parameters.AddWithValue("$limit", part.Limit!.Value);
        }
        long rows = 0;
        var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, cancellationToken: cancellationToken);
        await using (writer)
        {
            using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var inGroup = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                for (var i = 0; i < buffers.Length; i++)
                {
                    buffers[i].Set(inGroup, reader, i, table);
                }
                inGroup++;
                rows++;
                if (inGroup == RowGroupRows)
                {
                    await FlushAsync(writer, fields, buffers, inGroup, cancellationToken);
                    inGroup = 0;
                }
            }
            if (inGroup > 0 || rows == 0)
            {
                await FlushAsync(writer, fields, buffers, inGroup, cancellationToken);
            }
        }
        return rows;
    }

    private static string SelectSql(SnapshotTable table, SnapshotPart part)
    {
        var columns = string.Join(
            ", ",
            table.Columns.Select(c =>
                c.Name == SqliteSnapshotTables.RowIdColumn && table.RowIdColumn ? "rowid" : SqliteSnapshotTables.Quote(c.Name)
            )
        );
        var name = SqliteSnapshotTables.Quote(table.Name);
        return part.From is not null
            ? $"SELECT {columns} FROM {name} WHERE rowid BETWEEN $from AND $to ORDER BY rowid"
            : $"SELECT {columns} FROM {name} ORDER BY {string.Join(", ", table.OrderBy.Select(SqliteSnapshotTables.Quote))} LIMIT $limit OFFSET $offset";
    }

    private static async Task FlushAsync(
        ParquetWriter writer,
        DataField[] fields,
        ColumnBuffer[] buffers,
        int rows,
        CancellationToken cancellationToken
    )
    {
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < buffers.Length; i++)
        {
            await buffers[i].WriteAsync(group, fields[i], rows, cancellationToken);
        }
    }

    /// <summary>The values of one column in the row group being filled.</summary>
    private abstract class ColumnBuffer
    {
        public abstract void Set(int row, SqliteDataReader reader, int ordinal, SnapshotTable table);

        public abstract Task WriteAsync(ParquetRowGroupWriter group, DataField field, int rows, CancellationToken cancellationToken);

        public static ColumnBuffer Create(SnapshotColumn column, int capacity) =>
            column.Kind switch
            {
                "integer" => new Values<long>(column, capacity, r => r is long l ? l : null),
                "real" => new Values<double>(column, capacity, r => r is double d ? d : null),
                "text" => new Strings(column, capacity),
                _ => new Bytes(column, capacity),
            };

        /// <summary>A value of the wrong storage class would not come back the same: the snapshot fails instead.</summary>
        protected static InvalidDataException Mismatch(SnapshotTable table, SnapshotColumn column, object value) =>
            new($"{table.Database}.{table.Name}.{column.Name} holds a {value.GetType().Name} where its declared kind is {column.Kind}.");
    }

    private sealed class Values<T>(SnapshotColumn column, int capacity, Func<object, T?> read) : ColumnBuffer
        where T : struct
    {
        private readonly T?[] values = new T?[capacity];

        public override void Set(int row, SqliteDataReader reader, int ordinal, SnapshotTable table)
        {
            if (reader.IsDBNull(ordinal))
            {
                values[row] = null;
                return;
            }
            var value = reader.GetValue(ordinal);
            values[row] = read(value) ?? throw Mismatch(table, column, value);
        }

        public override async Task WriteAsync(
            ParquetRowGroupWriter group,
            DataField field,
            int rows,
            CancellationToken cancellationToken
        ) => await group.WriteAsync<T>(field, values.AsMemory(0, rows), cancellationToken: cancellationToken);
    }

    private sealed class Strings(SnapshotColumn column, int capacity) : ColumnBuffer
    {
        private readonly string?[] values = new string?[capacity];

        public override void Set(int row, SqliteDataReader reader, int ordinal, SnapshotTable table)
        {
            if (reader.IsDBNull(ordinal))
            {
                values[row] = null;
                return;
            }
            var value = reader.GetValue(ordinal);
            values[row] = value as string ?? throw Mismatch(table, column, value);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter group, DataField field, int rows, CancellationToken cancellationToken)
        {
            await group.WriteAsync(field, new ArraySegment<string>(values!, 0, rows));
            Array.Clear(values, 0, rows);
        }
    }

    private sealed class Bytes(SnapshotColumn column, int capacity) : ColumnBuffer
    {
        private readonly byte[]?[] values = new byte[]?[capacity];

        public override void Set(int row, SqliteDataReader reader, int ordinal, SnapshotTable table)
        {
            if (reader.IsDBNull(ordinal))
            {
                values[row] = null;
                return;
            }
            var value = reader.GetValue(ordinal);
            values[row] = value as byte[] ?? throw Mismatch(table, column, value);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter group, DataField field, int rows, CancellationToken cancellationToken)
        {
            await group.WriteAsync(field, new ArraySegment<byte[]>(values!, 0, rows));
            Array.Clear(values, 0, rows);
        }
    }
}
