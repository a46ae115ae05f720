using System.Collections.Frozen;
using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Extensions.Options;

namespace Cx.Core.Segments;

/// <summary>One saved rule version of a segment: what the criteria were, who saved them, when.</summary>
public sealed record SegmentVersion
{
    public required string Segment { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required int Version { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public required JsonLiteral Criteria { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required SegmentStatus Status { get; init; }

    /// <summary>The actor who saved it (as the audit log describes actors).</summary>
    public required string SavedBy { get; init; }
}

/// <summary>What a save did.</summary>
public enum SegmentSaveOutcome
{
    Created,

    /// <summary>The criteria changed: a new rule version and a history document.</summary>
    CriteriaChanged,

    /// <summary>Name, description or status changed; the rule version stays.</summary>
    Changed,

    /// <summary>Nothing differed from the stored document: nothing was written.</summary>
    Unchanged,
}

/// <summary>A saved segment, what the save did, and the status it had before (null when created).</summary>
public sealed record SegmentSaveResult(
    DefinitionRecord<SegmentDefinition> Record,
    SegmentSaveOutcome Outcome,
    SegmentStatus? PreviousStatus
);

/// <summary>
/// Segment documents and their version history in the definitions container (partitioned by
/// document type, like content and event types). Reads are cached like the other registries
/// (<see cref="ContentOptions.DefinitionCacheSeconds"/>; instant on the instance that saved).
/// Validation is the caller's (<see cref="SegmentService"/>); this class stores.
/// </summary>
public sealed class SegmentRegistry(IDocumentStore store, TimeProvider time, IOptions<ContentOptions> options)
    : DefinitionRegistry<SegmentSnapshot>(store, time, options)
{
    private static readonly FieldPath SegmentField = FieldPath.Parse("segment");
    private static readonly FieldPath VersionField = FieldPath.Parse("version");

    /// <summary>The indexes the version history and membership lists use. Idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Store.EnsureIndexesAsync(Containers.Definitions, SegmentDocuments.Version, [SegmentField, VersionField], cancellationToken);
        await Store.EnsureIndexesAsync(Containers.Definitions, SegmentDocuments.Job, [FieldPath.Parse("state")], cancellationToken);
    }

    /// <summary>Every segment by key (a cached, immutable view), with a fingerprint that changes whenever one does.</summary>
    public ValueTask<SegmentSnapshot> GetAllAsync(CancellationToken cancellationToken) => GetSnapshotAsync(cancellationToken);

    public async ValueTask<DefinitionRecord<SegmentDefinition>> GetAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).Segments.GetValueOrDefault(key) ?? throw new NotFoundException("Segment", key);

    /// <summary>The current document, read from the store (not the cache): what writes compare against.</summary>
    public ValueTask<DefinitionRecord<SegmentDefinition>?> ReadCurrentAsync(string key, CancellationToken cancellationToken) =>
        ReadAsync<SegmentDefinition>(SegmentDocuments.Segment, key, cancellationToken);

    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => ListDocumentsAsync(SegmentDocuments.Segment, limit, after, cancellationToken);

    /// <summary>The rule versions of a segment, newest first.</summary>
    public async ValueTask<DocumentPage> ListVersionsAsync(string key, int limit, Keyset? after, CancellationToken cancellationToken) =>
        await Store.QueryAsync(
            Containers.Definitions,
            new DocumentQuery
            {
                Type = SegmentDocuments.Version,
                PartitionKey = SegmentDocuments.Version,
                Filter = new Comparison(SegmentField, ComparisonOperator.Eq, ScalarValue.From(key)),
                Sort = [new SortField(VersionField, Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );

    /// <summary>
    /// Creates (<paramref name="create"/>) or replaces a segment that the caller validated. On a
    /// replace, <paramref name="criteriaChanged"/> decides whether the rule version moves on. An
    /// unchanged document is not written. A new rule version also gets its history document.
    /// </summary>
    public async Task<SegmentSaveResult> SaveAsync(
        SegmentDefinition segment,
        bool create,
        string? ifMatch,
        Func<SegmentDefinition, bool> criteriaChanged,
        string savedBy,
        CancellationToken cancellationToken
    )
    {
        if (create)
        {
            segment = segment with { Version = 1 };
            var created = await CreateDocumentAsync(SegmentDocuments.Segment, segment.Key, segment, cancellationToken);
            await WriteVersionAsync(segment, savedBy, cancellationToken);
            Invalidate();
            return new(new(segment, created), SegmentSaveOutcome.Created, null);
        }
        var current = await ReadCurrentAsync(segment.Key, cancellationToken) ?? throw new NotFoundException("Segment", segment.Key);
        CheckIfMatch(ifMatch, current.Document);
        var changed = criteriaChanged(current.Definition);
        segment = segment with { Version = current.Definition.Version + (changed ? 1 : 0) };
        if (!changed && SameApartFromCriteriaText(segment, current.Definition))
        {
            return new(current, SegmentSaveOutcome.Unchanged, current.Definition.Status);
        }
        var stored = await ReplaceDocumentAsync(
            SegmentDocuments.Segment,
            segment.Key,
            segment,
            current.Document,
            ifMatch,
            cancellationToken
        );
        if (changed)
        {
            await WriteVersionAsync(segment, savedBy, cancellationToken);
        }
        Invalidate();
        return new(
            new(segment, stored),
            changed ? SegmentSaveOutcome.CriteriaChanged : SegmentSaveOutcome.Changed,
            current.Definition.Status
        );
    }

    /// <summary>
    /// An equivalent rule written differently (keys reordered, white space) is not a change of
    /// the rule; when nothing else differs either, the save is a no-op that keeps the stored text.
    /// </summary>
    private static bool SameApartFromCriteriaText(SegmentDefinition candidate, SegmentDefinition current) =>
        candidate with { Criteria = current.Criteria } == current;

    public async Task DeleteAsync(DefinitionRecord<SegmentDefinition> current, string? ifMatch, CancellationToken cancellationToken)
    {
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        for (var version = 1; version <= current.Definition.Version; version++)
        {
            try
            {
                await Store.DeleteAsync(
                    Containers.Definitions,
                    new DocumentKey(SegmentDocuments.Version, SegmentDocuments.VersionId(current.Definition.Key, version)),
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

    private async Task WriteVersionAsync(SegmentDefinition segment, string savedBy, CancellationToken cancellationToken)
    {
        var now = Now();
        var version = new SegmentVersion
        {
            Segment = segment.Key,
            Version = segment.Version,
            Name = segment.Name,
            Description = segment.Description,
            Criteria = segment.Criteria!,
            Status = segment.Status,
            SavedBy = savedBy,
        };
        var id = SegmentDocuments.VersionId(segment.Key, segment.Version);
        await Store.UpsertAsync(
            Containers.Definitions,
            new DocumentWrite(
                id,
                SegmentDocuments.Version,
                SegmentDocuments.Version,
                DefinitionDocuments.ToJson(version, id, SegmentDocuments.Version, now, now)
            ),
            cancellationToken
        );
    }

    protected override async Task<SegmentSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<SegmentDefinition>(SegmentDocuments.Segment, cancellationToken);
        var segments = records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal);
        var fingerprint = string.Join("|", records.Select(r => r.Definition.Key + "@" + r.Document.ETag));
        return new SegmentSnapshot(segments, fingerprint);
    }
}

/// <summary>Every segment document at one moment; <see cref="Fingerprint"/> differs whenever any of them does.</summary>
public sealed record SegmentSnapshot(FrozenDictionary<string, DefinitionRecord<SegmentDefinition>> Segments, string Fingerprint);
