using System.Text.Json;
using Cx.Core.Documents;

namespace Cx.Core.Audit;

/// <summary>Why a chain is broken at an entry.</summary>
public static class AuditBreaks
{
    /// <summary>The entry's content does not match its hash (changed after it was written), or it no longer links to its predecessor.</summary>
    public const string Edited = "edited";

    /// <summary>An entry is missing inside the chain (a gap in the sequence), or the head is missing.</summary>
    public const string Deleted = "deleted";

    /// <summary>The entry is not where its sequence number puts it (moved, or entries swapped).</summary>
    public const string Reordered = "reordered";

    /// <summary>The chain ends before the entry the head anchors: entries were removed from the end.</summary>
    public const string Truncated = "truncated";

    /// <summary>The entry has no chain fields (not written by the audit log, or they were removed).</summary>
    public const string Unchained = "unchained";
}

/// <summary>Where a chain breaks first: the entry named, its sequence number when known, the reason and what was seen.</summary>
public sealed record AuditBreak(string EntryId, long? Seq, string Reason, string Detail);

/// <summary>The result of checking one partition's chain.</summary>
public sealed record AuditVerification(string Partition, long Entries, long? HeadSeq, string? HeadHash, AuditBreak? Break)
{
    public bool Ok => Break is null;
}

/// <summary>Verification of the chain: the walk in sequence order and the checks of each entry.</summary>
public sealed partial class AuditChain
{
    /// <summary>
    /// Walks the partition's entries in sequence order and names the first break: an entry whose
    /// content no longer matches its hash or that does not link to its predecessor (edited), a gap
    /// (deleted), an entry out of its place (reordered), an entry without chain fields (unchained),
    /// or a chain that ends before the entry the head anchors (truncated). Entries appended after
    /// the head was read are checked as chain too; the tail beyond the head is only as safe as the
    /// head itself (see docs/security.md).
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(string partition, CancellationToken cancellationToken)
    {
        var head = await ReadHeadAsync(partition, cancellationToken);
        long expected = 1;
        var previous = Genesis;
        long entries = 0;
        Keyset? after = null;
        do
        {
            var page = await store.QueryAsync(
                Containers.Audit,
                new DocumentQuery
                {
                    Type = AuditLog.EntryType,
                    PartitionKey = partition,
                    Limit = VerifyPage,
                    After = after,
                },
                cancellationToken
            );
            foreach (var document in page.Items)
            {
                entries++;
                var problem = Check(partition, document, expected, previous, head, out var seq, out var hash);
                if (problem is not null)
                {
                    return new AuditVerification(partition, entries, head?.Seq, head?.Hash, problem);
                }
                expected = seq + 1;
                previous = hash;
            }
            after = page.Next;
        } while (after is not null);

        AuditBreak? end = null;
        if (head is null && entries > 0)
        {
            end = new AuditBreak(
                HeadId,
                null,
                AuditBreaks.Deleted,
                "The chain head of this partition is missing, so a truncated tail cannot be detected."
            );
        }
        else if (head is { } h && h.Seq >= expected)
        {
            end = new AuditBreak(
                EntryId(partition, expected),
                expected,
                AuditBreaks.Truncated,
                $"The head anchors entry {h.Seq}, but the chain ends at {expected - 1}: the entries from {expected} on were removed."
            );
        }
        return new AuditVerification(partition, entries, head?.Seq, head?.Hash, end);
    }

    private static AuditBreak? Check(
        string partition,
        StoredDocument document,
        long expected,
        string previous,
        (long Seq, string Hash, string ETag)? head,
        out long seq,
        out string hash
    )
    {
        seq = 0;
        hash = "";
        using var json = JsonDocument.Parse(document.Json);
        var root = json.RootElement;
        if (
            !root.TryGetProperty("seq", out var seqValue)
            || !seqValue.TryGetInt64(out seq)
            || !root.TryGetProperty("hash", out var hashValue)
            || hashValue.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("prevHash", out var prevValue)
            || prevValue.ValueKind != JsonValueKind.String
        )
        {
            return new AuditBreak(
                document.Id,
                null,
                AuditBreaks.Unchained,
                "The entry has no seq, prevHash and hash: it is not part of the chain."
            );
        }
        hash = hashValue.GetString()!;
        string actual;
        try
        {
            actual = Hash(root);
        }
        catch (FormatException)
        {
            actual = "";
        }
        if (actual != hash)
        {
            return new AuditBreak(
                document.Id,
                seq,
                AuditBreaks.Edited,
                "Its content does not match its hash: it was changed after it was written."
            );
        }
        var bodyId = root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (document.Id != EntryId(partition, seq) || bodyId != document.Id)
        {
            return new AuditBreak(
                document.Id,
                seq,
                AuditBreaks.Reordered,
                $"It holds entry {seq} ({bodyId}), which belongs at {EntryId(partition, seq)}: entries were moved."
            );
        }
        if (seq > expected)
        {
            return new AuditBreak(
                EntryId(partition, expected),
                expected,
                AuditBreaks.Deleted,
                seq == expected + 1
                    ? $"Entry {expected} is missing before {document.Id}."
                    : $"Entries {expected} to {seq - 1} are missing before {document.Id}."
            );
        }
        if (prevValue.GetString() != previous)
        {
            return new AuditBreak(
                document.Id,
                seq,
                AuditBreaks.Edited,
                $"It does not link to entry {seq - 1} (its prevHash is not that entry's hash): one of the two was rewritten and its hash recomputed."
            );
        }
        if (head is { } h && h.Seq == seq && h.Hash != hash)
        {
            return new AuditBreak(
                document.Id,
                seq,
                AuditBreaks.Edited,
                "Its hash is not the one the head anchored: it was rewritten and its hash recomputed."
            );
        }
        return null;
    }
}
