using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
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
public sealed class FlagRegistry(IDocumentStore store, TimeProvider time, IOptions<ContentOptions> options)
    : DefinitionRegistry<FlagSnapshot>(store, time, options)
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

    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(int limit, Keyset? after, CancellationToken cancellationToken) =>
        ListDocumentsAsync(FlagDocuments.Flag, limit, after, cancellationToken);

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

    /// <summary>The variations a unit was given by rollouts, by flag key (one partition query).</summary>
    public async Task<Dictionary<string, string>> ReadExposuresAsync(string unitId, CancellationToken cancellationToken)
    {
        var exposures = new Dictionary<string, string>(StringComparer.Ordinal);
        Keyset? after = null;
        do
        {
            var page = await Store.QueryAsync(
                Containers.Definitions,
                new DocumentQuery
                {
                    Type = FlagDocuments.Exposure,
                    PartitionKey = FlagDocuments.ExposurePartition(unitId),
                    Limit = LoadPageSize,
                    After = after,
                },
                cancellationToken
            );
            foreach (var item in page.Items)
            {
                using var json = JsonDocument.Parse(item.Json);
                if (json.RootElement.TryGetProperty("variation", out var variation) && variation.GetString() is { } value)
                {
                    exposures[item.Id] = value;
                }
            }
            after = page.Next;
        } while (after is not null);
        return exposures;
    }

    /// <summary>Records a unit's first exposure to a flag's rollout; false when one is stored already (the first one stays).</summary>
    public async Task<bool> RecordExposureAsync(string unitId, string flagKey, string variation, int version, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new Dictionary<string, object>
            {
                ["id"] = flagKey,
                ["type"] = FlagDocuments.Exposure,
                ["unit"] = unitId,
                ["flag"] = flagKey,
                ["variation"] = variation,
                ["flagVersion"] = version,
                ["exposedAt"] = Now(),
            },
            CxJson.SerializerOptions
        );
        try
        {
            await Store.CreateAsync(
                Containers.Definitions,
                new DocumentWrite(flagKey, FlagDocuments.ExposurePartition(unitId), FlagDocuments.Exposure, json),
                cancellationToken
            );
            return true;
        }
        catch (DocumentExistsException)
        {
            return false;
        }
    }

    protected override async Task<FlagSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<FlagDefinition>(FlagDocuments.Flag, cancellationToken);
        var flags = records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal);
        var fingerprint = new StringBuilder();
        foreach (var record in records)
        {
            fingerprint.Append(record.Definition.Key).Append('@').Append(record.Definition.Published?.Version ?? 0).Append('|');
        }
        return new FlagSnapshot(flags, fingerprint.ToString());
    }
}
