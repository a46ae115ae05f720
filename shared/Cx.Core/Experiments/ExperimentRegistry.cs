using System.Collections.Frozen;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Experiments;

/// <summary>Every experiment document at one moment.</summary>
public sealed record ExperimentSnapshot(FrozenDictionary<string, DefinitionRecord<ExperimentDefinition>> Experiments);

/// <summary>Experiment documents in the definitions container, read through the shared cache. Validation is <see cref="ExperimentService"/>'s.</summary>
public sealed class ExperimentRegistry(IDocumentStore store, TimeProvider time, IOptions<ContentOptions> options)
    : DefinitionRegistry<ExperimentSnapshot>(store, time, options)
{
    public ValueTask<ExperimentSnapshot> GetAllAsync(CancellationToken cancellationToken) => GetSnapshotAsync(cancellationToken);

    /// <summary>The current document, read from the store (not the cache).</summary>
    public ValueTask<DefinitionRecord<ExperimentDefinition>?> ReadCurrentAsync(string key, CancellationToken cancellationToken) =>
        ReadAsync<ExperimentDefinition>(ExperimentDocuments.Experiment, key, cancellationToken);

    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => ListDocumentsAsync(ExperimentDocuments.Experiment, limit, after, cancellationToken);

    /// <summary>Creates or replaces (under the ETag) an experiment; an unchanged document writes nothing.</summary>
    public async Task<(DefinitionRecord<ExperimentDefinition> Record, bool Written)> SaveAsync(
        ExperimentDefinition experiment,
        DefinitionRecord<ExperimentDefinition>? current,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var saved = await WriteAsync(
            ExperimentDocuments.Experiment,
            experiment.Key,
            experiment,
            current,
            ifMatch,
            e => e,
            cancellationToken
        );
        if (saved.Written)
        {
            Invalidate();
        }
        return saved;
    }

    public async Task DeleteAsync(DefinitionRecord<ExperimentDefinition> current, string? ifMatch, CancellationToken cancellationToken)
    {
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
    }

    protected override async Task<ExperimentSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<ExperimentDefinition>(ExperimentDocuments.Experiment, cancellationToken);
        return new ExperimentSnapshot(records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal));
    }
}
