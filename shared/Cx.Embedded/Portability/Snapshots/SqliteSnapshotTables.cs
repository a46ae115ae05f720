using System.Security.Cryptography;
using System.Text;
using Cx.Core.Portability.Snapshots;
using Cx.Embedded.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Parquet.Schema;

namespace Cx.Embedded.Portability.Snapshots;

/// <summary>
/// The embedded store's files as snapshots see them (ADR 0444): <c>documents</c> (the document store's
/// file), <c>events</c> (the event log) and <c>analytics</c> (the analytics store), and which of their
/// tables a snapshot leaves out (the change feed and its consumers' checkpoints, the work queues: state
/// in flight, not data).
/// </summary>
public sealed class SqliteSnapshotTables(IOptions<SqliteOptions> sqlite, IOptions<EmbeddedEventsOptions> events)
{
    public const string Documents = "documents";

    public const string Events = "events";

    public const string Analytics = "analytics";

    /// <summary>(database, table) pairs a snapshot does not hold.</summary>
    public static readonly IReadOnlySet<(string Database, string Table)> Excluded = new HashSet<(string, string)>
    {
        (Documents, "changes"),
        (Documents, "checkpoints"),
        (Documents, "queue_messages"),
        (Documents, "queue_keys"),
    };

    /// <summary>The database files by name, in snapshot order.</summary>
    public IReadOnlyList<(string Name, string Path)> Databases()
    {
        var paths = new EmbeddedEventsPaths(events, sqlite);
        return [(Documents, Path.GetFullPath(sqlite.Value.Path)), (Events, paths.LogPath), (Analytics, paths.AnalyticsPath)];
    }

    public static SqliteConnection Open(string path, bool readOnly)
    {
        var connection = new SqliteConnection(
            new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
                DefaultTimeout = 30,
            }.ToString()
        );
        connection.Open();
        return connection;
    }

    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The user tables of a database file with their DDL, indexes, columns and autoincrement counter.</summary>
    public static List<SnapshotTable> Describe(SqliteConnection connection, string database)
    {
        var tables = new List<(string Name, string Sql)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText =
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        var described = new List<SnapshotTable>();
        foreach (var (name, sql) in tables.Where(t => !Excluded.Contains((database, t.Name))))
        {
            var indexes = new List<string>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText =
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $t AND sql IS NOT NULL ORDER BY name";
                command.Parameters.AddWithValue("$t", name);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    indexes.Add(reader.GetString(0));
                }
            }
            var columns = new List<(string Name, string Type, int Pk)>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT name, type, pk FROM pragma_table_info({Literal(name)}) ORDER BY cid";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    columns.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
                }
            }
            var withoutRowId = sql.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase);
            var pk = columns.Where(c => c.Pk > 0).ToList();
            var aliasesRowId = !withoutRowId && pk.Count == 1 && string.Equals(pk[0].Type, "INTEGER", StringComparison.OrdinalIgnoreCase);
            var snapshotColumns = new List<SnapshotColumn>();
            if (!withoutRowId && !aliasesRowId)
            {
                snapshotColumns.Add(new SnapshotColumn(RowIdColumn, "integer"));
            }
            snapshotColumns.AddRange(columns.Select(c => new SnapshotColumn(c.Name, KindOf(database, name, c.Name, c.Type))));
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', [sql, .. indexes]))));
            long? sequence = null;
            if (sql.Contains("AUTOINCREMENT", StringComparison.OrdinalIgnoreCase))
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT seq FROM sqlite_sequence WHERE name = $t";
                command.Parameters.AddWithValue("$t", name);
                sequence = command.ExecuteScalar() is long s ? s : null;
            }
            described.Add(
                new SnapshotTable(database, name, sql, indexes, fingerprint, snapshotColumns, !withoutRowId && !aliasesRowId)
                {
                    Sequence = sequence,
                    OrderBy = withoutRowId ? [.. pk.OrderBy(c => c.Pk).Select(c => c.Name)] : [],
                }
            );
        }
        return described;
    }

    /// <summary>The extra column holding the row id of a rowid table without an INTEGER PRIMARY KEY.</summary>
    public const string RowIdColumn = "_rowid";

    /// <summary>A column's kind from its declared type, by SQLite's affinity rules.</summary>
    private static string KindOf(string database, string table, string column, string declared)
    {
        var type = declared.ToUpperInvariant();
        if (type.Contains("INT", StringComparison.Ordinal))
        {
            return "integer";
        }
        if (
            type.Contains("CHAR", StringComparison.Ordinal)
            || type.Contains("CLOB", StringComparison.Ordinal)
            || type.Contains("TEXT", StringComparison.Ordinal)
        )
        {
            return "text";
        }
        if (type.Length == 0 || type.Contains("BLOB", StringComparison.Ordinal))
        {
            return "blob";
        }
        if (
            type.Contains("REAL", StringComparison.Ordinal)
            || type.Contains("FLOA", StringComparison.Ordinal)
            || type.Contains("DOUB", StringComparison.Ordinal)
        )
        {
            return "real";
        }
        throw new NotSupportedException(
            $"{database}.{table}.{column} is declared '{declared}' (NUMERIC affinity), which snapshots do not map; declare it INTEGER, REAL, TEXT or BLOB."
        );
    }

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The Parquet field of a column (every field is optional: SQL NULL is null).</summary>
    public static DataField Field(SnapshotColumn column) =>
        column.Kind switch
        {
            "integer" => new DataField<long?>(column.Name),
            "real" => new DataField<double?>(column.Name),
            "text" => new DataField<string>(column.Name, true),
            _ => new DataField<byte[]>(column.Name, true),
        };
}
