using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Lifecycle;

/// <summary>Where a change stands with a hook that failed on it.</summary>
public enum HookFailureStatus
{
    /// <summary>Failed fewer than <see cref="HookOptions.MaxAttempts"/> times: the dispatcher delivers it again.</summary>
    Retrying,

    /// <summary>Given up (dead-lettered): the dispatcher moved past it; an admin may replay or discard it.</summary>
    Dead,

    /// <summary>A dead letter an admin replayed successfully.</summary>
    Replayed,
}

/// <summary>
/// A change a hook failed on, as kept in the <see cref="Containers.DeadLetters"/> container: the
/// attempts so far, the last error, and the change itself (with its bodies), so it can be replayed.
/// </summary>
public sealed record HookFailure(
    string Id,
    string Hook,
    HookFailureStatus Status,
    int Attempts,
    DateTimeOffset FirstFailedAt,
    DateTimeOffset LastFailedAt,
    string ErrorType,
    string ErrorMessage,
    ChangeRecord Change,
    string ETag = ""
)
{
    public DateTimeOffset? DeadAt { get; init; }

    public DateTimeOffset? ReplayedAt { get; init; }

    public string? ReplayedBy { get; init; }
}

/// <summary>
/// The durable attempt counts and dead letters of lifecycle hooks, in the document store (so they
/// survive restarts and are shared by every instance): one document per (hook, change),
/// partitioned by hook name, its id derived from the hook and the change. Writes are conditional
/// on the document's ETag, so two dispatchers counting the same failure never lose an attempt.
/// </summary>
public sealed class HookFailureStore(IDocumentStore store, TimeProvider time)
{
    public const string DocumentType = "hook-failure";

    /// <summary>Longest error message kept (exception messages can be long).</summary>
    public const int MaxErrorMessageLength = 2000;

    /// <summary>Bodies larger than this together are kept without the before state (a store document has a size limit).</summary>
    public const int MaxBodyBytes = 1_000_000;

    private const int MaxWriteAttempts = 8;

    private static readonly FieldPath[] IndexedFields = [FieldPath.Parse("status"), FieldPath.Parse("lastFailedAt")];

    public ValueTask InitializeAsync(CancellationToken cancellationToken) =>
        store.EnsureIndexesAsync(Containers.DeadLetters, DocumentType, IndexedFields, cancellationToken);

    /// <summary>The id of the failure document of a hook and a change (stable across restarts and instances).</summary>
    public static string RecordId(string hook, ChangeRecord change)
    {
        var key = string.Join('\n', hook, change.Position, change.Container, change.PartitionKey, change.Id, change.ETag);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..40];
    }

    public async ValueTask<HookFailure?> ReadAsync(string hook, string id, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Containers.DeadLetters, new DocumentKey(hook, id), cancellationToken);
        return document is null || document.Type != DocumentType ? null : FromDocument(document);
    }

    /// <summary>The failure documents of a hook with the given ids, in one read; missing ones are absent.</summary>
    public async ValueTask<Dictionary<string, HookFailure>> ReadManyAsync(
        string hook,
        IReadOnlyList<string> ids,
        CancellationToken cancellationToken
    )
    {
        var documents = await store.ReadManyAsync(
            Containers.DeadLetters,
            [.. ids.Select(id => new DocumentKey(hook, id))],
            cancellationToken
        );
        return documents.Where(d => d.Type == DocumentType).ToDictionary(d => d.Id, FromDocument, StringComparer.Ordinal);
    }

    /// <summary>
    /// Counts one more failed attempt of <paramref name="hook"/> at <paramref name="change"/>; at
    /// <paramref name="maxAttempts"/> the failure becomes a dead letter. Returns the stored state.
    /// </summary>
    public async ValueTask<HookFailure> RecordAttemptAsync(
        string hook,
        ChangeRecord change,
        Exception error,
        int maxAttempts,
        CancellationToken cancellationToken
    )
    {
        var id = RecordId(hook, change);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var current = await ReadAsync(hook, id, cancellationToken);
            var attempts = (current?.Attempts ?? 0) + 1;
            var failure = new HookFailure(
                id,
                hook,
                attempts >= maxAttempts ? HookFailureStatus.Dead : HookFailureStatus.Retrying,
                attempts,
                current?.FirstFailedAt ?? now,
                now,
                error.GetType().FullName ?? error.GetType().Name,
                Truncate(error.Message),
                change
            )
            {
                DeadAt = attempts >= maxAttempts ? current?.DeadAt ?? now : null,
            };
            try
            {
                return current is null
                    ? failure with
                    {
                        ETag = (await store.CreateAsync(Containers.DeadLetters, ToWrite(failure), cancellationToken)).ETag,
                    }
                    : await SaveAsync(failure, current.ETag, cancellationToken);
            }
            catch (Exception ex) when (ex is DocumentExistsException or ETagMismatchException && attempt < MaxWriteAttempts)
            {
                // Another dispatcher counted at the same time: count again on its result.
            }
        }
    }

    /// <summary>Replaces a failure document when it still has <paramref name="ifMatch"/>.</summary>
    public async ValueTask<HookFailure> SaveAsync(HookFailure failure, string ifMatch, CancellationToken cancellationToken)
    {
        var stored = await store.ReplaceAsync(Containers.DeadLetters, ToWrite(failure), ifMatch, cancellationToken);
        return failure with { ETag = stored.ETag };
    }

    /// <summary>Deletes a failure document; false when it was already gone.</summary>
    public async ValueTask<bool> DeleteAsync(string hook, string id, string? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(Containers.DeadLetters, new DocumentKey(hook, id), ifMatch, cancellationToken);
            return true;
        }
        catch (DocumentNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Newest failure first, optionally of one hook (one partition) and one status.</summary>
    public ValueTask<DocumentPage> ListAsync(
        string? hook,
        HookFailureStatus? status,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) =>
        store.QueryAsync(
            Containers.DeadLetters,
            new DocumentQuery
            {
                Type = DocumentType,
                PartitionKey = hook,
                Filter = status is { } s
                    ? new Comparison(FieldPath.Parse("status"), ComparisonOperator.Eq, ScalarValue.From(StatusName(s)))
                    : null,
                Sort = [new SortField(FieldPath.Parse("lastFailedAt"), Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );

    /// <summary>The ids of a hook's failures that the dispatcher is still retrying.</summary>
    public async ValueTask<HashSet<string>> RetryingIdsAsync(string hook, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        Keyset? after = null;
        do
        {
            var page = await store.QueryAsync(
                Containers.DeadLetters,
                new DocumentQuery
                {
                    Type = DocumentType,
                    PartitionKey = hook,
                    Filter = new Comparison(
                        FieldPath.Parse("status"),
                        ComparisonOperator.Eq,
                        ScalarValue.From(StatusName(HookFailureStatus.Retrying))
                    ),
                    Limit = 500,
                    After = after,
                },
                cancellationToken
            );
            ids.UnionWith(page.Items.Select(d => d.Id));
            after = page.Next;
        } while (after is not null);
        return ids;
    }

    public static string StatusName(HookFailureStatus status) =>
        status switch
        {
            HookFailureStatus.Retrying => "retrying",
            HookFailureStatus.Dead => "dead",
            _ => "replayed",
        };

    public static bool TryParseStatus(string text, out HookFailureStatus status)
    {
        foreach (var candidate in Enum.GetValues<HookFailureStatus>())
        {
            if (StatusName(candidate) == text)
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    public static HookFailure FromDocument(StoredDocument document)
    {
        var root = JsonNode.Parse(document.Json.Span)!.AsObject();
        var change = root["change"]!.AsObject();
        if (!TryParseStatus((string)root["status"]!, out var status))
        {
            throw new InvalidOperationException($"The hook failure '{document.Id}' has an unknown status.");
        }
        return new HookFailure(
            document.Id,
            (string)root["hook"]!,
            status,
            (int)root["attempts"]!,
            Instant(root["firstFailedAt"])!.Value,
            Instant(root["lastFailedAt"])!.Value,
            (string)root["error"]!["type"]!,
            (string)root["error"]!["message"]!,
            new ChangeRecord(
                (string)change["position"]!,
                (string)change["container"]!,
                (string)change["id"]!,
                (string)change["partitionKey"]!,
                (string)change["type"]!,
                (string)change["kind"]! == "delete" ? ChangeKind.Delete : ChangeKind.Upsert,
                (string)change["etag"]!,
                Instant(change["committedAt"])!.Value,
                Body(change["before"]),
                Body(change["after"])
            ),
            document.ETag
        )
        {
            DeadAt = Instant(root["deadAt"]),
            ReplayedAt = Instant(root["replayedAt"]),
            ReplayedBy = (string?)root["replayedBy"],
        };
    }

    private static DocumentWrite ToWrite(HookFailure failure)
    {
        var change = failure.Change;
        var keepBefore = (change.Before?.Length ?? 0) + (change.After?.Length ?? 0) <= MaxBodyBytes;
        var body = new JsonObject
        {
            ["id"] = failure.Id,
            ["type"] = DocumentType,
            ["schemaVersion"] = 1,
            ["hook"] = failure.Hook,
            ["status"] = StatusName(failure.Status),
            ["attempts"] = failure.Attempts,
            ["firstFailedAt"] = Instants.Format(failure.FirstFailedAt),
            ["lastFailedAt"] = Instants.Format(failure.LastFailedAt),
            ["error"] = new JsonObject { ["type"] = failure.ErrorType, ["message"] = failure.ErrorMessage },
            ["change"] = new JsonObject
            {
                ["position"] = change.Position,
                ["container"] = change.Container,
                ["id"] = change.Id,
                ["partitionKey"] = change.PartitionKey,
                ["type"] = change.Type,
                ["kind"] = change.Kind == ChangeKind.Delete ? "delete" : "upsert",
                ["etag"] = change.ETag,
                ["committedAt"] = Instants.Format(change.CommittedAt),
                ["before"] = keepBefore && change.Before is { } before ? JsonNode.Parse(before.Span) : null,
                ["after"] = change.After is { } after ? JsonNode.Parse(after.Span) : null,
            },
        };
        if (failure.DeadAt is { } dead)
        {
            body["deadAt"] = Instants.Format(dead);
        }
        if (failure.ReplayedAt is { } replayed)
        {
            body["replayedAt"] = Instants.Format(replayed);
            body["replayedBy"] = failure.ReplayedBy;
        }
        return new DocumentWrite(
            failure.Id,
            failure.Hook,
            DocumentType,
            JsonSerializer.SerializeToUtf8Bytes(body, CxJson.SerializerOptions)
        );
    }

    private static DateTimeOffset? Instant(JsonNode? node) =>
        node is not null && Instants.TryParse((string)node!, out var instant) ? instant : null;

    // Typed as nullable memory: a null byte[] would convert to an empty body, not to null.
    private static ReadOnlyMemory<byte>? Body(JsonNode? node) =>
        node is null ? null : (ReadOnlyMemory<byte>?)JsonSerializer.SerializeToUtf8Bytes(node, CxJson.SerializerOptions);

    private static string Truncate(string message) =>
        message.Length <= MaxErrorMessageLength ? message : message[..MaxErrorMessageLength] + "…";
}
