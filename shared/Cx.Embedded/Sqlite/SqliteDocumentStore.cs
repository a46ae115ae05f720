using System.Security.Cryptography;
using System.Text;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Data.Sqlite;

namespace Cx.Embedded.Sqlite;

/// <summary>
/// The embedded document store: a table per container (JSON bodies, expression indexes on
/// declared fields), unique values in their own table and every write recorded in the
/// change log, all in one transaction, so a failed write leaves nothing behind.
/// </summary>
public sealed class SqliteDocumentStore(SqliteDatabase database, TimeProvider time) : IDocumentStore
{
    private const int ReadManyBatch = 100;
    private readonly HashSet<string> _indexes = new(StringComparer.Ordinal);
    private readonly Lock _indexLock = new();
    private volatile bool _initialized;

    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }
        var sql = new StringBuilder();
        foreach (var container in Containers.All)
        {
            var table = SqliteQueryBuilder.Quote(container);
            sql.Append(
                $"""
                CREATE TABLE IF NOT EXISTS {table} (
                    pk TEXT NOT NULL,
                    id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    etag TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE UNIQUE INDEX IF NOT EXISTS "ux_{container}_key" ON {table}(pk, id);
                CREATE INDEX IF NOT EXISTS "ix_{container}_type_id" ON {table}(type, id);

                """
            );
        }
        sql.Append(
            """
            CREATE TABLE IF NOT EXISTS unique_values (
                scope TEXT NOT NULL,
                value TEXT NOT NULL,
                container TEXT NOT NULL,
                pk TEXT NOT NULL,
                id TEXT NOT NULL,
                PRIMARY KEY (scope, value)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_unique_values_owner ON unique_values(container, pk, id);
            CREATE TABLE IF NOT EXISTS changes (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                container TEXT NOT NULL,
                pk TEXT NOT NULL,
                id TEXT NOT NULL,
                type TEXT NOT NULL,
                kind INTEGER NOT NULL,
                etag TEXT NOT NULL,
                at INTEGER NOT NULL,
                before TEXT,
                after TEXT
            );
            CREATE INDEX IF NOT EXISTS ix_changes_at ON changes(at);
            CREATE TABLE IF NOT EXISTS checkpoints (
                consumer TEXT PRIMARY KEY,
                position TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """
        );
        await database.ExecuteSchemaAsync(sql.ToString(), cancellationToken);
        _initialized = true;
    }

    public ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken)
    {
        var sql = $"SELECT type, etag, body FROM {Table(container)} WHERE pk = $pk AND id = $id";
        var document = database.Read(session =>
        {
            var command = session.Command(sql);
            command.Parameters.AddWithValue("$pk", key.PartitionKey);
            command.Parameters.AddWithValue("$id", key.Id);
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new StoredDocument(key.Id, key.PartitionKey, reader.GetString(0), reader.GetString(1), ReadBody(reader, 2))
                : null;
        });
        return ValueTask.FromResult(document);
    }

    public ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    )
    {
        var results = new List<StoredDocument>(keys.Count);
        foreach (var chunk in keys.Distinct().Chunk(ReadManyBatch))
        {
            var sql = new StringBuilder($"SELECT id, pk, type, etag, body FROM {Table(container)} WHERE (pk, id) IN (VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append($"($k{i}, $i{i})");
            }
            sql.Append(')');
            var text = sql.ToString();
            database.Read(session =>
            {
                var command = session.Command(text);
                for (var i = 0; i < chunk.Length; i++)
                {
                    command.Parameters.AddWithValue($"$k{i}", chunk[i].PartitionKey);
                    command.Parameters.AddWithValue($"$i{i}", chunk[i].Id);
                }
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    results.Add(ReadDocument(reader));
                }
                return 0;
            });
        }
        return ValueTask.FromResult<IReadOnlyList<StoredDocument>>(results);
    }

    public async ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (session, _) =>
            {
                if (ReadCurrent(session, container, document.Key) is not null)
                {
                    throw new DocumentExistsException(container, document.Key);
                }
                return Insert(session, container, document);
            },
            cancellationToken
        );

    public async ValueTask<StoredDocument> ReplaceAsync(
        string container,
        DocumentWrite document,
        string? ifMatch,
        CancellationToken cancellationToken
    ) =>
        await database.WriteAsync(
            (session, _) =>
            {
                var current = ReadCurrent(session, container, document.Key) ?? throw new DocumentNotFoundException(container, document.Key);
                if (ifMatch is not null && ifMatch != "*" && ifMatch != current.ETag)
                {
                    throw new ETagMismatchException(document.Key);
                }
                return Update(session, container, document, current);
            },
            cancellationToken
        );

    public async ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (session, _) =>
            {
                var current = ReadCurrent(session, container, document.Key);
                return current is null ? Insert(session, container, document) : Update(session, container, document, current);
            },
            cancellationToken
        );

    public async ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (session, _) =>
            {
                var current = ReadCurrent(session, container, key) ?? throw new DocumentNotFoundException(container, key);
                if (ifMatch is not null && ifMatch != "*" && ifMatch != current.ETag)
                {
                    throw new ETagMismatchException(key);
                }
                ReleaseUniqueValues(session, container, key, keep: []);
                var command = session.Command($"DELETE FROM {Table(container)} WHERE pk = $pk AND id = $id");
                command.Parameters.AddWithValue("$pk", key.PartitionKey);
                command.Parameters.AddWithValue("$id", key.Id);
                command.ExecuteNonQuery();
                RecordChange(session, container, key, current.Type, ChangeKind.Delete, current.ETag, current.Json, null);
                return 0;
            },
            cancellationToken
        );

    public ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken)
    {
        Table(container);
        var (sql, parameters) = SqliteQueryBuilder.Page(container, query);
        var page = database.Read(session =>
        {
            var command = session.Command(sql);
            Bind(command, parameters);
            var items = new List<StoredDocument>(Math.Min(query.Limit, 256));
            ScalarValue[] lastValues = [];
            Keyset? next = null;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (items.Count == query.Limit)
                {
                    next = new Keyset(lastValues, items[^1].Id);
                    break;
                }
                items.Add(ReadDocument(reader));
                lastValues = ReadSortValues(reader, query.Sort.Count);
            }
            return new DocumentPage(items, next);
        });
        return ValueTask.FromResult(page);
    }

    public ValueTask<long> CountAsync(string container, string type, Condition? filter, CancellationToken cancellationToken)
    {
        Table(container);
        var (sql, parameters) = SqliteQueryBuilder.Count(container, type, filter);
        var count = database.Read(session =>
        {
            var command = session.Command(sql);
            Bind(command, parameters);
            return (long)command.ExecuteScalar()!;
        });
        return ValueTask.FromResult(count);
    }

    public async ValueTask EnsureIndexesAsync(
        string container,
        string type,
        IReadOnlyList<FieldPath> fields,
        CancellationToken cancellationToken
    )
    {
        var table = Table(container);
        var sql = new StringBuilder();
        lock (_indexLock)
        {
            foreach (var field in fields)
            {
                // One index per container and path serves every type (type is its first column).
                var name = $"ix_{container}_f_{field.Value.Replace('.', '_')}";
                if (_indexes.Add(name))
                {
                    sql.Append(
                        $"CREATE INDEX IF NOT EXISTS \"{name}\" ON {table}(type, {SqliteQueryBuilder.FieldExpression(field)}, id);\n"
                    );
                }
            }
        }
        if (sql.Length > 0)
        {
            await database.ExecuteSchemaAsync(sql.ToString(), cancellationToken);
        }
    }

    private static string Table(string container) =>
        Containers.IsKnown(container)
            ? SqliteQueryBuilder.Quote(container)
            : throw new ArgumentException($"Unknown container '{container}'.", nameof(container));

    private StoredDocument Insert(SqliteSession session, string container, DocumentWrite document)
    {
        ClaimUniqueValues(session, container, document);
        var etag = NewETag();
        var command = session.Command($"INSERT INTO {Table(container)} (pk, id, type, etag, body) VALUES ($pk, $id, $type, $etag, $body)");
        command.Parameters.AddWithValue("$pk", document.PartitionKey);
        command.Parameters.AddWithValue("$id", document.Id);
        command.Parameters.AddWithValue("$type", document.Type);
        command.Parameters.AddWithValue("$etag", etag);
        command.Parameters.Add("$body", SqliteType.Text).Value = Encoding.UTF8.GetString(document.Json.Span);
        command.ExecuteNonQuery();
        RecordChange(session, container, document.Key, document.Type, ChangeKind.Upsert, etag, null, document.Json);
        return new StoredDocument(document.Id, document.PartitionKey, document.Type, etag, document.Json);
    }

    private StoredDocument Update(SqliteSession session, string container, DocumentWrite document, StoredDocument current)
    {
        ReleaseUniqueValues(session, container, document.Key, document.UniqueValues);
        ClaimUniqueValues(session, container, document);
        var etag = NewETag();
        var command = session.Command(
            $"UPDATE {Table(container)} SET type = $type, etag = $etag, body = $body WHERE pk = $pk AND id = $id"
        );
        command.Parameters.AddWithValue("$pk", document.PartitionKey);
        command.Parameters.AddWithValue("$id", document.Id);
        command.Parameters.AddWithValue("$type", document.Type);
        command.Parameters.AddWithValue("$etag", etag);
        command.Parameters.Add("$body", SqliteType.Text).Value = Encoding.UTF8.GetString(document.Json.Span);
        command.ExecuteNonQuery();
        RecordChange(session, container, document.Key, document.Type, ChangeKind.Upsert, etag, current.Json, document.Json);
        return new StoredDocument(document.Id, document.PartitionKey, document.Type, etag, document.Json);
    }

    private static StoredDocument? ReadCurrent(SqliteSession session, string container, DocumentKey key)
    {
        var command = session.Command($"SELECT type, etag, body FROM {Table(container)} WHERE pk = $pk AND id = $id");
        command.Parameters.AddWithValue("$pk", key.PartitionKey);
        command.Parameters.AddWithValue("$id", key.Id);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoredDocument(key.Id, key.PartitionKey, reader.GetString(0), reader.GetString(1), ReadBody(reader, 2))
            : null;
    }

    private static void ClaimUniqueValues(SqliteSession session, string container, DocumentWrite document)
    {
        foreach (var value in document.UniqueValues)
        {
            var insert = session.Command(
                "INSERT INTO unique_values (scope, value, container, pk, id) VALUES ($scope, $value, $container, $pk, $id) ON CONFLICT (scope, value) DO NOTHING"
            );
            insert.Parameters.AddWithValue("$scope", value.Scope);
            insert.Parameters.AddWithValue("$value", value.Value);
            insert.Parameters.AddWithValue("$container", container);
            insert.Parameters.AddWithValue("$pk", document.PartitionKey);
            insert.Parameters.AddWithValue("$id", document.Id);
            if (insert.ExecuteNonQuery() == 1)
            {
                continue;
            }
            var owner = session.Command("SELECT container, pk, id FROM unique_values WHERE scope = $scope AND value = $value");
            owner.Parameters.AddWithValue("$scope", value.Scope);
            owner.Parameters.AddWithValue("$value", value.Value);
            using var reader = owner.ExecuteReader();
            reader.Read();
            if (reader.GetString(0) != container || reader.GetString(1) != document.PartitionKey || reader.GetString(2) != document.Id)
            {
                throw new UniqueValueTakenException(value, reader.GetString(2));
            }
        }
    }

    private static void ReleaseUniqueValues(SqliteSession session, string container, DocumentKey key, IReadOnlyList<UniqueValue> keep)
    {
        var select = session.Command("SELECT scope, value FROM unique_values WHERE container = $container AND pk = $pk AND id = $id");
        select.Parameters.AddWithValue("$container", container);
        select.Parameters.AddWithValue("$pk", key.PartitionKey);
        select.Parameters.AddWithValue("$id", key.Id);
        var owned = new List<UniqueValue>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                owned.Add(new UniqueValue(reader.GetString(0), reader.GetString(1)));
            }
        }
        foreach (var value in owned.Where(v => !keep.Contains(v)))
        {
            var delete = session.Command("DELETE FROM unique_values WHERE scope = $scope AND value = $value");
            delete.Parameters.AddWithValue("$scope", value.Scope);
            delete.Parameters.AddWithValue("$value", value.Value);
            delete.ExecuteNonQuery();
        }
    }

    private void RecordChange(
        SqliteSession session,
        string container,
        DocumentKey key,
        string type,
        ChangeKind kind,
        string etag,
        ReadOnlyMemory<byte>? before,
        ReadOnlyMemory<byte>? after
    )
    {
        var command = session.Command(
            "INSERT INTO changes (container, pk, id, type, kind, etag, at, before, after) VALUES ($container, $pk, $id, $type, $kind, $etag, $at, $before, $after)"
        );
        command.Parameters.AddWithValue("$container", container);
        command.Parameters.AddWithValue("$pk", key.PartitionKey);
        command.Parameters.AddWithValue("$id", key.Id);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$kind", (int)kind);
        command.Parameters.AddWithValue("$etag", etag);
        command.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.Add("$before", SqliteType.Text).Value = before is { } b ? Encoding.UTF8.GetString(b.Span) : DBNull.Value;
        command.Parameters.Add("$after", SqliteType.Text).Value = after is { } a ? Encoding.UTF8.GetString(a.Span) : DBNull.Value;
        command.ExecuteNonQuery();
    }

    private static StoredDocument ReadDocument(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ReadBody(reader, 4));

    private static ScalarValue[] ReadSortValues(SqliteDataReader reader, int count)
    {
        if (count == 0)
        {
            return [];
        }
        var values = new ScalarValue[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = SqliteQueryBuilder.ToScalar(reader.GetValue(5 + i));
        }
        return values;
    }

    /// <summary>The body as UTF-8 bytes (SQLite stores TEXT as UTF-8; no UTF-16 detour).</summary>
    internal static byte[] ReadBody(SqliteDataReader reader, int ordinal)
    {
        using var stream = reader.GetStream(ordinal);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static void Bind(SqliteCommand command, List<object> parameters)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            command.Parameters.AddWithValue("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), parameters[i]);
        }
    }

    private static string NewETag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
