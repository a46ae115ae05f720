using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Audit;

/// <summary>
/// The hash chain of the audit log, one per partition (month). Each entry stores <c>seq</c> (1, 2,
/// ...), <c>prevHash</c> (the previous entry's <c>hash</c>; 64 zeros for the first) and <c>hash</c>:
/// lower-case hex SHA-256 of the entry's <see cref="CanonicalJson"/> without <c>hash</c>. The
/// entry's id is its position (<c>{partition}.{seq:D10}</c>), so creating it is the conditional
/// write: two appenders that read the same tail cannot both create the next entry (the loser reloads
/// the tail and retries), and the chain cannot fork. A head document per partition
/// (<c>audit-head</c>, id <c>head</c>) anchors the latest sequence number and hash, advanced after
/// each append with a conditional replace; it is what makes a truncated tail detectable.
/// </summary>
public sealed partial class AuditChain(IDocumentStore store, ILogger logger) : IDisposable
{
    public const string HeadType = "audit-head";

    public const string HeadId = "head";

    public static readonly string Genesis = new('0', 64);

    private const int MaxAttempts = 10;
    private const int VerifyPage = 500;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, (long Seq, string Hash)> _tails = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Seq, string ETag)> _heads = new(StringComparer.Ordinal);

    /// <summary>The id of the entry at <paramref name="seq"/> in <paramref name="partition"/>.</summary>
    public static string EntryId(string partition, long seq) => string.Create(CultureInfo.InvariantCulture, $"{partition}.{seq:D10}");

    /// <summary>The hash of an entry: SHA-256 of its canonical JSON without <c>hash</c>.</summary>
    public static string Hash(JsonElement entry) => Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.Serialize(entry, "hash")));

    /// <summary>Adds <paramref name="entry"/> (without id, seq and hashes) at the end of the partition's chain.</summary>
    public async Task<StoredDocument> AppendAsync(string partition, JsonObject entry, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var tail = _tails.TryGetValue(partition, out var cached) ? cached : await LoadTailAsync(partition, cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                var seq = tail.Seq + 1;
                var id = EntryId(partition, seq);
                entry["id"] = id;
                entry["seq"] = seq;
                entry["prevHash"] = tail.Hash;
                entry.Remove("hash");
                var hash = Hash(JsonSerializer.SerializeToElement(entry, CxJson.SerializerOptions));
                entry["hash"] = hash;
                try
                {
                    var stored = await store.CreateAsync(
                        Containers.Audit,
                        new DocumentWrite(
                            id,
                            partition,
                            AuditLog.EntryType,
                            JsonSerializer.SerializeToUtf8Bytes(entry, CxJson.SerializerOptions)
                        ),
                        cancellationToken
                    );
                    _tails[partition] = (seq, hash);
                    await AdvanceHeadAsync(partition, seq, hash, cancellationToken);
                    return stored;
                }
                catch (DocumentExistsException) when (attempt < MaxAttempts)
                {
                    // Another instance appended there first: continue after its entries.
                    LogAppendRaced(logger, partition, seq);
                    tail = await LoadTailAsync(partition, cancellationToken);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The last entry of the chain: the highest of the stored entries and the head (which anchors an entry even when it was deleted).</summary>
    private async Task<(long Seq, string Hash)> LoadTailAsync(string partition, CancellationToken cancellationToken)
    {
        var page = await store.QueryAsync(
            Containers.Audit,
            new DocumentQuery
            {
                Type = AuditLog.EntryType,
                PartitionKey = partition,
                Sort = [new SortField(FieldPath.Parse("seq"), Descending: true)],
                Limit = 1,
            },
            cancellationToken
        );
        (long Seq, string Hash) tail = (0, Genesis);
        if (page.Items.Count == 1)
        {
            using var json = JsonDocument.Parse(page.Items[0].Json);
            if (json.RootElement.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var value))
            {
                tail = (value, json.RootElement.GetProperty("hash").GetString()!);
            }
        }
        var head = await ReadHeadAsync(partition, cancellationToken);
        return head is { } h && h.Seq > tail.Seq ? (h.Seq, h.Hash) : tail;
    }

    /// <summary>Moves the head forward to <paramref name="seq"/> (never back), conditionally on its ETag.</summary>
    private async Task AdvanceHeadAsync(string partition, long seq, string hash, CancellationToken cancellationToken)
    {
        var write = new DocumentWrite(
            HeadId,
            partition,
            HeadType,
            JsonSerializer.SerializeToUtf8Bytes(
                new JsonObject
                {
                    ["id"] = HeadId,
                    ["type"] = HeadType,
                    ["seq"] = seq,
                    ["hash"] = hash,
                },
                CxJson.SerializerOptions
            )
        );
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (!_heads.TryGetValue(partition, out var known))
            {
                var head = await ReadHeadAsync(partition, cancellationToken);
                known = head is { } h ? (h.Seq, h.ETag) : (0, "");
            }
            if (known.Seq >= seq)
            {
                _heads[partition] = known;
                return;
            }
            try
            {
                var stored =
                    known.ETag.Length == 0
                        ? await store.CreateAsync(Containers.Audit, write, cancellationToken)
                        : await store.ReplaceAsync(Containers.Audit, write, known.ETag, cancellationToken);
                _heads[partition] = (seq, stored.ETag);
                return;
            }
            catch (Exception e) when (e is DocumentExistsException or ETagMismatchException or DocumentNotFoundException)
            {
                _heads.Remove(partition); // moved by another instance: read it again
            }
        }
        // The entry is stored; the next append moves the head past it.
        LogHeadNotAdvanced(logger, partition, seq);
    }

    private async Task<(long Seq, string Hash, string ETag)?> ReadHeadAsync(string partition, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Containers.Audit, new DocumentKey(partition, HeadId), cancellationToken);
        if (document is null || document.Type != HeadType)
        {
            return null;
        }
        using var json = JsonDocument.Parse(document.Json);
        return (json.RootElement.GetProperty("seq").GetInt64(), json.RootElement.GetProperty("hash").GetString()!, document.ETag);
    }

    /// <summary>
    /// Every month from the oldest one that holds a chain head or an entry through
    /// <paramref name="current"/>, oldest first, so a month whose head was removed is still checked.
    /// </summary>
    public async Task<IReadOnlyList<string>> PartitionsAsync(string current, CancellationToken cancellationToken)
    {
        var oldest = current;
        Keyset? after = null;
        do
        {
            var page = await store.QueryAsync(
                Containers.Audit,
                new DocumentQuery
                {
                    Type = HeadType,
                    Limit = VerifyPage,
                    After = after,
                },
                cancellationToken
            );
            foreach (var head in page.Items.Where(h => string.CompareOrdinal(h.PartitionKey, oldest) < 0))
            {
                oldest = head.PartitionKey;
            }
            after = page.Next;
        } while (after is not null);
        var first = await store.QueryAsync(
            Containers.Audit,
            new DocumentQuery
            {
                Type = AuditLog.EntryType,
                Sort = [new SortField(FieldPath.Parse("at"))],
                Limit = 1,
            },
            cancellationToken
        );
        if (first.Items.Count == 1 && string.CompareOrdinal(first.Items[0].PartitionKey, oldest) < 0)
        {
            oldest = first.Items[0].PartitionKey;
        }
        if (!DateTime.TryParseExact(oldest, AuditLog.PartitionFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
        {
            return [current];
        }
        var partitions = new List<string>();
        for (var month = start; ; month = month.AddMonths(1))
        {
            var name = month.ToString(AuditLog.PartitionFormat, CultureInfo.InvariantCulture);
            if (string.CompareOrdinal(name, current) > 0)
            {
                break;
            }
            partitions.Add(name);
        }
        return partitions;
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(
        EventId = 1501,
        Level = LogLevel.Debug,
        Message = "Audit partition {Partition}: entry {Seq} was taken by another writer; appending after it"
    )]
    private static partial void LogAppendRaced(ILogger logger, string partition, long seq);

    [LoggerMessage(
        EventId = 1502,
        Level = LogLevel.Warning,
        Message = "Audit partition {Partition}: could not move the chain head to entry {Seq}; the next append will"
    )]
    private static partial void LogHeadNotAdvanced(ILogger logger, string partition, long seq);
}
