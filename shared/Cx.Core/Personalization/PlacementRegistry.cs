using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Personalization;

/// <summary>Every placement document at one moment; <see cref="Fingerprint"/> differs whenever any of them does.</summary>
public sealed record PlacementSnapshot(FrozenDictionary<string, DefinitionRecord<PlacementDefinition>> Placements, string Fingerprint);

/// <summary>
/// Placement documents in the definitions container (partition <c>placement</c>): CRUD with
/// ETags, a version that moves on with every change, validation at save against the content
/// types and the decision schema, and an audit entry per save and delete. Reads are cached like
/// the other registries (<see cref="ContentOptions.DefinitionCacheSeconds"/>; instant on the
/// instance that saved, and the placement hook invalidates every instance on a change).
/// </summary>
public sealed partial class PlacementRegistry(
    IDocumentStore store,
    ContentTypeRegistry contentTypes,
    TimeProvider time,
    IOptions<ContentOptions> options,
    ILogger<PlacementRegistry> logger,
    Audit.AuditLog? audit = null,
    PersonalizationCache? cache = null
) : DefinitionTypeRegistry<PlacementDefinition, PlacementSnapshot>(store, time, options, PersonalizationDocuments.Placement)
{
    public async ValueTask<DefinitionRecord<PlacementDefinition>> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!PlacementRules.IsPlacementKey(key))
        {
            throw new NotFoundException("Placement", key);
        }
        return await ReadAsync<PlacementDefinition>(PersonalizationDocuments.Placement, key, cancellationToken)
            ?? throw new NotFoundException("Placement", key);
    }

    /// <summary>Every placement (a cached, immutable view).</summary>
    public ValueTask<PlacementSnapshot> GetAllAsync(CancellationToken cancellationToken) => GetSnapshotAsync(cancellationToken);

    protected override async Task<PlacementSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<PlacementDefinition>(PersonalizationDocuments.Placement, cancellationToken);
        return new PlacementSnapshot(
            records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal),
            string.Join("|", records.Select(r => r.Definition.Key + "@" + r.Document.ETag))
        );
    }

    /// <summary>The decision schema of now: the current customer schema plus <c>request.*</c>.</summary>
    public async ValueTask<ContentSchema> GetDecisionSchemaAsync(CancellationToken cancellationToken) =>
        DecisionSchema.For(await contentTypes.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken));

    /// <summary>Checks a placement as a save would, without saving it (400 with every problem).</summary>
    public async Task<PlacementDefinition> ValidateAsync(PlacementDefinition placement, CancellationToken cancellationToken)
    {
        ContentType? type = null;
        if (!string.IsNullOrEmpty(placement.ContentType) && DefinitionRules.IsKey(placement.ContentType))
        {
            try
            {
                type = (await contentTypes.GetContentTypeAsync(placement.ContentType, cancellationToken)).Definition;
            }
            catch (NotFoundException)
            {
                // Reported by the rules as an unknown content type.
            }
        }
        return PlacementRules.Validate(placement, type, await GetDecisionSchemaAsync(cancellationToken));
    }

    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = await GetAsync(key, cancellationToken);
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        await ExpireAsync(key, cancellationToken);
        LogDeleted(logger, key);
        if (audit is not null)
        {
            await audit.RecordAsync(
                PersonalizationAuditActions.PlacementDeleted,
                PersonalizationDocuments.Placement,
                key,
                cancellationToken: cancellationToken
            );
        }
    }

    protected override async Task<DefinitionRecord<PlacementDefinition>> SaveAsync(
        PlacementDefinition placement,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        placement = await ValidateAsync(placement, cancellationToken);
        var current = create ? null : await GetAsync(placement.Key, cancellationToken);
        placement = placement with { Version = current?.Definition.Version ?? 1 };
        var (saved, written) = await WriteAsync(
            PersonalizationDocuments.Placement,
            placement.Key,
            placement,
            current,
            ifMatch,
            p => p with { Version = p.Version + 1 },
            cancellationToken
        );
        if (!written)
        {
            return saved;
        }
        Invalidate();
        await ExpireAsync(saved.Definition.Key, cancellationToken);
        LogSaved(logger, saved.Definition.Key, saved.Definition.Version);
        if (audit is not null)
        {
            await audit.RecordAsync(
                PersonalizationAuditActions.PlacementSaved,
                PersonalizationDocuments.Placement,
                saved.Definition.Key,
                details: new { created = create, version = saved.Definition.Version },
                cancellationToken: cancellationToken
            );
        }
        return saved;
    }

    /// <summary>This instance serves the change at once; the others when the hook expires the tags.</summary>
    private async Task ExpireAsync(string key, CancellationToken cancellationToken)
    {
        if (cache is not null)
        {
            await cache.InvalidateAsync([PersonalizationTags.Placements, PersonalizationTags.Placement(key)], cancellationToken);
        }
    }

    protected override string KeyOf(PlacementDefinition definition) => definition.Key;

    [LoggerMessage(EventId = 2400, Level = LogLevel.Information, Message = "Placement {Key} saved (version {Version})")]
    private static partial void LogSaved(ILogger logger, string key, int version);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Placement {Key} deleted")]
    private static partial void LogDeleted(ILogger logger, string key);
}
