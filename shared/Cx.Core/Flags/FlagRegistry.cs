using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Extensions.Options;

namespace Cx.Core.Flags;

/// <summary>Every flag document at one moment; <see cref="Fingerprint"/> differs whenever any of them does.</summary>
public sealed record FlagSnapshot(FrozenDictionary<string, DefinitionRecord<FlagDefinition>> Flags, string Fingerprint);

/// <summary>
/// Flag documents (draft and published release in one document), their release history and the
/// stored exposures of units, in the definitions container. Reads are cached like the other
/// registries. Validation is the caller's (<see cref="FlagService"/>); this class stores.
/// </summary>
public sealed class FlagRegistry(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> options,
    FlagExposureCache? exposureCache = null
) : DefinitionRegistry<FlagSnapshot>(store, time, options)
{
    private static readonly FieldPath FlagField = FieldPath.Parse("flagKey");
    private static readonly FieldPath VersionField = FieldPath.Parse("version");

    /// <summary>The index the release history uses. Idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        await Store.EnsureIndexesAsync(Containers.Definitions, FlagDocuments.Version, [FlagField, VersionField], cancellationToken);

    public ValueTask<FlagSnapshot> GetAllAsync(CancellationToken cancellationToken) => GetSnapshotAsync(cancellationToken);

    /// <summary>The current document, read from the store (not the cache).</summary>
    public ValueTask<DefinitionRecord<FlagDefinition>?> ReadCurrentAsync(string key, CancellationToken cancellationToken) =>
        ReadAsync<FlagDefinition>(FlagDocuments.Flag, key, cancellationToken);

    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => ListDocumentsAsync(FlagDocuments.Flag, limit, after, cancellationToken);

    /// <summary>The releases of a flag, newest first.</summary>
    public async ValueTask<DocumentPage> ListVersionsAsync(string key, int limit, Keyset? after, CancellationToken cancellationToken) =>
        await Store.QueryAsync(
            Containers.Definitions,
            new DocumentQuery
            {
                Type = FlagDocuments.Version,
                PartitionKey = FlagDocuments.Version,
                Filter = new Comparison(FlagField, ComparisonOperator.Eq, ScalarValue.From(key)),
                Sort = [new SortField(VersionField, Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );

    /// <summary>Writes a draft (created, or replaced unless unchanged); the published release is carried over as it is.</summary>
    public async Task<(DefinitionRecord<FlagDefinition> Record, bool Written)> SaveDraftAsync(
        FlagDefinition flag,
        DefinitionRecord<FlagDefinition>? current,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var saved = await WriteAsync(FlagDocuments.Flag, flag.Key, flag, current, ifMatch, f => f, cancellationToken);
        if (saved.Written)
        {
            Invalidate();
        }
        return saved;
    }

    /// <summary>
    /// Publishes <paramref name="release"/>: the history document first (an upsert, so a retried
    /// publish of the same version writes the same document), then the flag document under its ETag.
    /// </summary>
    public async Task<DefinitionRecord<FlagDefinition>> PublishAsync(
        DefinitionRecord<FlagDefinition> current,
        FlagRelease release,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        CheckIfMatch(ifMatch, current.Document);
        var id = FlagDocuments.VersionId(release.FlagKey, release.Version);
        await Store.UpsertAsync(
            Containers.Definitions,
            new DocumentWrite(
                id,
                FlagDocuments.Version,
                FlagDocuments.Version,
                DefinitionDocuments.ToJson(release, id, FlagDocuments.Version, release.PublishedAt, release.PublishedAt)
            ),
            cancellationToken
        );
        var flag = current.Definition with { Published = release };
        var stored = await ReplaceDocumentAsync(FlagDocuments.Flag, flag.Key, flag, current.Document, ifMatch, cancellationToken);
        Invalidate();
        return new(flag, stored);
    }

    /// <summary>Deletes a flag and its release history (stored exposures stay until their units are erased).</summary>
    public async Task DeleteAsync(DefinitionRecord<FlagDefinition> current, string? ifMatch, CancellationToken cancellationToken)
    {
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        for (var version = 1; version <= (current.Definition.Published?.Version ?? 0); version++)
        {
            try
            {
                await Store.DeleteAsync(
                    Containers.Definitions,
                    new DocumentKey(FlagDocuments.Version, FlagDocuments.VersionId(current.Definition.Key, version)),
                    null,
                    cancellationToken
                );
            }
            catch (DocumentNotFoundException)
            {
                // Already gone (an earlier, interrupted delete).
            }
        }
        Invalidate();
    }

    /// <summary>
    /// The variations a unit was given by rollouts, by flag key, and the ETag of the unit's exposure
    /// document (null when it has none). From <see cref="FlagExposureCache"/> where one is registered
    /// (SQLite: every write passes through this process), otherwise one point read.
    /// </summary>
    public Task<(IReadOnlyDictionary<string, string> Exposures, string? ETag)> ReadExposuresAsync(
        string unitId,
        CancellationToken cancellationToken
    ) =>
        exposureCache is null
            ? ReadStoredExposuresAsync(unitId, cancellationToken)
            : exposureCache.GetOrReadAsync(unitId, ReadStoredExposuresAsync, cancellationToken);

    /// <summary>The unit's exposure document as stored now: one point read (its parse cached per ETag).</summary>
    private async Task<(IReadOnlyDictionary<string, string> Exposures, string? ETag)> ReadStoredExposuresAsync(
        string unitId,
        CancellationToken cancellationToken
    )
    {
        var document = await Store.ReadAsync(Containers.Definitions, ExposureKey(unitId), cancellationToken);
        if (document is null)
        {
            return (NoExposures, null);
        }
        // The same document version (ETag) parses to the same placements: parse each version once
        // (with the exposure cache, only a unit read again after a write of it gets here).
        if (_parsedExposures.TryGetValue(unitId, out var parsed) && parsed.ETag == document.ETag)
        {
            return (parsed.Exposures, document.ETag);
        }
        var exposures = new Dictionary<string, string>(StringComparer.Ordinal);
        using var json = JsonDocument.Parse(document.Json);
        if (json.RootElement.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Object)
        {
            foreach (var flag in flags.EnumerateObject())
            {
                if (
                    flag.Value.ValueKind == JsonValueKind.Object
                    && flag.Value.TryGetProperty("variation", out var variation)
                    && variation.GetString() is { } value
                )
                {
                    exposures[flag.Name] = value;
                }
            }
        }
        if (exposureCache is null)
        {
            if (_parsedExposures.Count >= MaxParsedExposures)
            {
                _parsedExposures.Clear(); // bounded: the units evaluated most recently fill it again
            }
            _parsedExposures[unitId] = (document.ETag, exposures);
        }
        return (exposures, document.ETag);
    }

    /// <summary>A unit with no exposure document (shared: never written to).</summary>
    private static readonly IReadOnlyDictionary<string, string> NoExposures = FrozenDictionary<string, string>.Empty;

    /// <summary>How many units' parsed exposure documents are kept without the exposure cache (each a few KB).</summary>
    private const int MaxParsedExposures = 4096;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<
        string,
        (string ETag, IReadOnlyDictionary<string, string> Exposures)
    > _parsedExposures = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds first exposures of a unit (flag key → variation, release version) to its exposure document
    /// in one write: created when absent, else replaced under the ETag it was read with. A placement
    /// already stored is kept (the first one wins). On a concurrent write the document is read again
    /// and merged again, a few times; returns what is stored afterwards.
    /// </summary>
    public async Task<Dictionary<string, string>> RecordExposuresAsync(
        string unitId,
        IReadOnlyList<(string Flag, string Variation, int Version)> placements,
        string? etag,
        CancellationToken cancellationToken
    )
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = etag is null ? null : await Store.ReadAsync(Containers.Definitions, ExposureKey(unitId), cancellationToken);
            var body = current is null ? new JsonObject() : JsonNode.Parse(current.Json.Span)!.AsObject();
            body["id"] = ExposureId;
            body["type"] = FlagDocuments.Exposure;
            body["unit"] = unitId;
            if (body["flags"] is not JsonObject flags)
            {
                body["flags"] = flags = new JsonObject();
            }
            var now = Now();
            foreach (var (flag, variation, version) in placements)
            {
                if (!flags.ContainsKey(flag))
                {
                    flags[flag] = new JsonObject
                    {
                        ["variation"] = variation,
                        ["flagVersion"] = version,
                        ["exposedAt"] = now,
                    };
                }
            }
            var write = new DocumentWrite(
                ExposureId,
                FlagDocuments.ExposurePartition(unitId),
                FlagDocuments.Exposure,
                JsonSerializer.SerializeToUtf8Bytes(body, CxJson.SerializerOptions)
            );
            try
            {
                _ = current is null
                    ? await Store.CreateAsync(Containers.Definitions, write, cancellationToken)
                    : await Store.ReplaceAsync(Containers.Definitions, write, current.ETag, cancellationToken);
                var stored = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (flag, value) in flags)
                {
                    stored[flag] = value!["variation"]!.GetValue<string>();
                }
                return stored;
            }
            catch (Exception ex) when (ex is DocumentExistsException or ETagMismatchException && attempt < 8)
            {
                etag = "moved"; // Someone else wrote it meanwhile: read it again and merge into it.
            }
        }
    }

    private const string ExposureId = "exposures";

    private static DocumentKey ExposureKey(string unitId) => new(FlagDocuments.ExposurePartition(unitId), ExposureId);

    protected override async Task<FlagSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<FlagDefinition>(FlagDocuments.Flag, cancellationToken);
        var flags = records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal);
        var fingerprint = new StringBuilder();
        foreach (var record in records)
        {
            // The ETag too: a flag deleted and created again under its key publishes version 1 again.
            fingerprint
                .Append(record.Definition.Key)
                .Append('@')
                .Append(record.Definition.Published?.Version ?? 0)
                .Append('/')
                .Append(record.Document.ETag)
                .Append('|');
        }
        return new FlagSnapshot(flags, fingerprint.ToString());
    }
}
