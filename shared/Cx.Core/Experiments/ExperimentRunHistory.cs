using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.Core.Experiments;

/// <summary>
/// The last completed significance run, kept in the document store (SQLite embedded, Cosmos in Azure)
/// by the orchestration's last activity, so <c>GET /api/v1/experiment-runs</c> still answers it when
/// the Durable backend no longer knows the instance (the DevHost's in-memory backend after a restart,
/// or a purged task hub). One document, replaced by every run.
/// </summary>
public sealed class ExperimentRunHistory(IDocumentStore store)
{
    /// <summary>The document: definitions container, partition and type <c>experiment-run</c>, id <c>last</c>.</summary>
    public const string Type = "experiment-run";

    private const string Id = "last";

    private static readonly DocumentKey Key = new(Type, Id);

    /// <summary>Replaces the stored last run with <paramref name="state"/> (idempotent: a replayed activity writes the same document).</summary>
    public async Task RecordAsync(SignificanceRunState state, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredRun(Id, Type, state), CxJson.SerializerOptions);
        await store.UpsertAsync(Containers.Definitions, new DocumentWrite(Id, Type, Type, json), cancellationToken);
    }

    /// <summary>The last recorded run, or null before the first.</summary>
    public async Task<SignificanceRunState?> ReadLastAsync(CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(Containers.Definitions, Key, cancellationToken);
        return document is null ? null : JsonSerializer.Deserialize<StoredRun>(document.Json.Span, CxJson.SerializerOptions)?.Run;
    }

    private sealed record StoredRun(string Id, string Type, SignificanceRunState Run);
}
