using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Cx.Core.Portability.Snapshots;
using Microsoft.Azure.Cosmos;
using Parquet;
using Parquet.Schema;

namespace Cx.Azure.Portability.Snapshots;

/// <summary>
/// Snapshots of the Cosmos DB store (ADR 0444): one table per container (every product container and
/// the unique-value reservations; not the change-feed leases), one part per container and feed range,
/// read with the SDK's query (<c>SELECT * FROM c</c>) page by page. A row is <c>pk, id, etag, ts, body</c>:
/// the partition key, the id, the <c>_etag</c> and <c>_ts</c> the document had, and the document as
/// JSON without the server's system properties (<c>_rid</c>, <c>_self</c>, <c>_etag</c>,
/// <c>_attachments</c>, <c>_ts</c>, <c>_lsn</c>), which is what a restore writes back.
/// </summary>
public sealed class CosmosSnapshotSource(CosmosContainers containers) : ISnapshotSource
{
    public const string StoreName = "cosmos";

    public const string DatabaseName = "cosmos";

    /// <summary>Rows per Parquet row group inside a part file.</summary>
    public const int RowGroupRows = 5_000;

    internal static readonly string[] SystemProperties = ["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"];

    internal static readonly IReadOnlyList<SnapshotColumn> Columns =
    [
        new("pk", "text"),
        new("id", "text"),
        new("etag", "text"),
        new("ts", "integer"),
        new("body", "text"),
    ];

    public string Store => StoreName;

    /// <summary>The containers a snapshot holds.</summary>
    public static IEnumerable<string> ContainerNames() => Containers.All.Append(CosmosContainers.Uniques);

    internal static Container Container(CosmosContainers containers, string name) =>
        name == CosmosContainers.Uniques ? containers.Internal(name) : containers.Product(name);

    /// <summary>The table a container is described as: its fingerprint covers the partition key path and the columns.</summary>
    public static SnapshotTable Describe(string name)
    {
        var sql = $"cosmos container {name}, partition key {CosmosContainers.PartitionKeyPath}";
        var shape = sql + "\n" + string.Join("\n", Columns.Select(c => c.Name + " " + c.Kind));
        return new SnapshotTable(
            DatabaseName,
            name,
            sql,
            [],
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(shape))),
            Columns,
            RowIdColumn: false
        );
    }

    /// <summary>
    /// One part per container and feed range (<paramref name="partRows"/> does not cut them: a feed range
    /// has no stable row positions to cut by; each part is written in row groups of <see cref="RowGroupRows"/>).
    /// </summary>
    public async Task<(IReadOnlyList<SnapshotTable> Tables, IReadOnlyList<SnapshotPart> Parts)> PlanAsync(
        int partRows,
        CancellationToken cancellationToken
    )
    {
        await containers.InitializeAsync(cancellationToken);
        var tables = new List<SnapshotTable>();
        var parts = new List<SnapshotPart>();
        foreach (var name in ContainerNames())
        {
            tables.Add(Describe(name));
            var ranges = await Container(containers, name).GetFeedRangesAsync(cancellationToken);
            var index = 0;
            foreach (var range in ranges.Select(r => r.ToJsonString()).Order(StringComparer.Ordinal))
            {
                parts.Add(new SnapshotPart(DatabaseName, name, index++, null, null, null, null) { Range = range });
            }
        }
        return (tables, parts);
    }

    public async Task<long> WritePartAsync(SnapshotTable table, SnapshotPart part, Stream output, CancellationToken cancellationToken)
    {
        if (part.Database != DatabaseName || part.Range is null)
        {
            throw new InvalidOperationException($"Part {part.FileName} is not a Cosmos DB part.");
        }
        var container = Container(containers, part.Table);
        var fields = Columns.Select(c => new DataField(c.Name, c.Kind == "integer" ? typeof(long?) : typeof(string))).ToArray();
        var pk = new string?[RowGroupRows];
        var ids = new string?[RowGroupRows];
        var etags = new string?[RowGroupRows];
        var ts = new long?[RowGroupRows];
        var bodies = new string?[RowGroupRows];
        long rows = 0;
        var inGroup = 0;
        var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, cancellationToken: cancellationToken);
        await using (writer)
        {
            async Task FlushAsync()
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(fields[0], new ArraySegment<string>(pk!, 0, inGroup));
                await group.WriteAsync(fields[1], new ArraySegment<string>(ids!, 0, inGroup));
                await group.WriteAsync(fields[2], new ArraySegment<string>(etags!, 0, inGroup));
                await group.WriteAsync<long>(fields[3], ts.AsMemory(0, inGroup), cancellationToken: cancellationToken);
                await group.WriteAsync(fields[4], new ArraySegment<string>(bodies!, 0, inGroup));
                inGroup = 0;
            }

            using var iterator = container.GetItemQueryStreamIterator(
                FeedRange.FromJsonString(part.Range),
                queryDefinition: null,
                continuationToken: null,
                new QueryRequestOptions { MaxItemCount = 1000 }
            );
            while (iterator.HasMoreResults)
            {
                using var response = await iterator.ReadNextAsync(cancellationToken);
                response.EnsureSuccessStatusCode();
                using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
                foreach (var item in page.RootElement.GetProperty("Documents").EnumerateArray())
                {
                    pk[inGroup] = item.TryGetProperty("pk", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                    ids[inGroup] = item.GetProperty("id").GetString();
                    etags[inGroup] = item.TryGetProperty("_etag", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                    ts[inGroup] = item.TryGetProperty("_ts", out var t) && t.TryGetInt64(out var seconds) ? seconds : null;
                    bodies[inGroup] = Body(item);
                    inGroup++;
                    rows++;
                    if (inGroup == RowGroupRows)
                    {
                        await FlushAsync();
                    }
                }
            }
            if (inGroup > 0 || rows == 0)
            {
                await FlushAsync();
            }
        }
        return rows;
    }

    /// <summary>The rows of one part file, in file order (the restore's and the tests' reader).</summary>
    public static async Task<IReadOnlyList<CosmosSnapshotRow>> ReadPartAsync(Stream content, CancellationToken cancellationToken)
    {
        var rows = new List<CosmosSnapshotRow>();
        await using var reader = await ParquetReader.CreateAsync(content, cancellationToken: cancellationToken);
        var fields = reader.Schema.GetDataFields();
        var names = fields.Select(f => f.Name).ToArray();
        if (!names.SequenceEqual(Columns.Select(c => c.Name)))
        {
            throw new InvalidDataException(
                $"A Cosmos DB part has the columns {string.Join(", ", Columns.Select(c => c.Name))}; this file has {string.Join(", ", names)}."
            );
        }
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = (int)group.RowCount;
            var pk = new string?[count];
            var ids = new string?[count];
            var etags = new string?[count];
            var ts = new long?[count];
            var bodies = new string?[count];
            await group.ReadAsync(fields[0], pk.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(fields[1], ids.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(fields[2], etags.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync<long>(fields[3], ts.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(fields[4], bodies.AsMemory(), cancellationToken: cancellationToken);
            for (var i = 0; i < count; i++)
            {
                rows.Add(
                    new CosmosSnapshotRow(
                        pk[i],
                        ids[i] ?? throw new InvalidDataException("A Cosmos DB part row has no id."),
                        etags[i],
                        ts[i],
                        bodies[i] ?? throw new InvalidDataException("A Cosmos DB part row has no body.")
                    )
                );
            }
        }
        return rows;
    }

    /// <summary>The document without the server's system properties, in its stored property order.</summary>
    public static string Body(JsonElement item)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var property in item.EnumerateObject())
            {
                if (!SystemProperties.Contains(property.Name, StringComparer.Ordinal))
                {
                    property.WriteTo(json);
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>One document of a Cosmos DB snapshot: partition key, id, the <c>_etag</c> and <c>_ts</c> it had, and its JSON.</summary>
public sealed record CosmosSnapshotRow(string? PartitionKey, string Id, string? ETag, long? Timestamp, string Body);
