using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Extensions.Options;

namespace Cx.Core.Personalization;

/// <summary>
/// The sampled decision log: a share (<see cref="PersonalizationOptions.DecisionLogSampleRate"/>)
/// of live decisions, each a document in the definitions container (partition <c>decisionLog</c>)
/// with who asked, every placement's variant, reason, matched criteria and score. Admins list it
/// newest first, optionally for one customer. Documents carry a <c>ttl</c> (Cosmos DB expires them);
/// in embedded mode <see cref="DecisionLogExpiry"/> deletes them through <see cref="ExpireAsync"/>.
/// </summary>
public sealed class DecisionLog(IDocumentStore store, TimeProvider time, IOptions<PersonalizationOptions> options)
{
    private static readonly FieldPath AtField = FieldPath.Parse("at");
    private static readonly FieldPath CustomerField = FieldPath.Parse("customerId");

    /// <summary>How many expired decisions one query of <see cref="ExpireAsync"/> reads (and deletes).</summary>
    public const int ExpiryBatch = 200;

    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        await store.EnsureIndexesAsync(
            Containers.Definitions,
            PersonalizationDocuments.DecisionLog,
            [AtField, CustomerField],
            cancellationToken
        );

    /// <summary>Writes the decision when the sample draws it.</summary>
    public async Task SampleAsync(DecisionResult result, CancellationToken cancellationToken)
    {
        var rate = options.Value.DecisionLogSampleRate;
        if (rate <= 0 || (rate < 1 && Random.Shared.NextDouble() >= rate))
        {
            return;
        }
        await store.CreateAsync(
            Containers.Definitions,
            new DocumentWrite(
                result.DecisionId,
                PersonalizationDocuments.DecisionLog,
                PersonalizationDocuments.DecisionLog,
                ToJson(result, options.Value.DecisionLogRetentionDays)
            ),
            cancellationToken
        );
    }

    /// <summary>Logged decisions, newest first; only those of <paramref name="customerId"/> when given.</summary>
    public async ValueTask<DocumentPage> ListAsync(string? customerId, int limit, Keyset? after, CancellationToken cancellationToken) =>
        await store.QueryAsync(
            Containers.Definitions,
            new DocumentQuery
            {
                Type = PersonalizationDocuments.DecisionLog,
                PartitionKey = PersonalizationDocuments.DecisionLog,
                Filter = customerId is null ? null : new Comparison(CustomerField, ComparisonOperator.Eq, ScalarValue.From(customerId)),
                Sort = [new SortField(AtField, Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );

    /// <summary>
    /// Deletes the logged decisions older than <see cref="PersonalizationOptions.DecisionLogRetentionDays"/>
    /// (embedded mode; Cosmos DB expires them by their <c>ttl</c>), oldest first, in batches. Answers how many went.
    /// </summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var cutoff = Instants.Format(time.GetUtcNow().AddDays(-options.Value.DecisionLogRetentionDays));
        var deleted = 0;
        while (true)
        {
            var page = await store.QueryAsync(
                Containers.Definitions,
                new DocumentQuery
                {
                    Type = PersonalizationDocuments.DecisionLog,
                    PartitionKey = PersonalizationDocuments.DecisionLog,
                    Filter = new Comparison(AtField, ComparisonOperator.Lt, ScalarValue.From(cutoff)),
                    Sort = [new SortField(AtField, Descending: false)],
                    Limit = ExpiryBatch,
                },
                cancellationToken
            );
            foreach (var document in page.Items)
            {
                try
                {
                    await store.DeleteAsync(Containers.Definitions, document.Key, ifMatch: null, cancellationToken);
                    deleted++;
                }
                catch (DocumentNotFoundException)
                {
                    // Another instance expired it first.
                }
            }
            if (page.Items.Count < ExpiryBatch)
            {
                return deleted;
            }
        }
    }

    private byte[] ToJson(DecisionResult result, int retentionDays)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", result.DecisionId);
            writer.WriteString("type", PersonalizationDocuments.DecisionLog);
            writer.WriteString("at", Instants.Format(result.At));
            if (result.CustomerId is { } customer)
            {
                writer.WriteString("customerId", customer);
            }
            if (result.AnonymousId is { } anonymous)
            {
                writer.WriteString("anonymousId", anonymous);
            }
            writer.WriteStartArray("segments");
            foreach (var segment in result.Segments)
            {
                writer.WriteStringValue(segment);
            }
            writer.WriteEndArray();
            writer.WriteStartArray("placements");
            foreach (var answer in result.Placements)
            {
                var decision = answer.Decision;
                writer.WriteStartObject();
                writer.WriteString("placement", decision.PlacementKey);
                writer.WriteNumber("version", decision.Placement.Definition.Version);
                writer.WriteString("strategy", PersonalizationService.Strategy(decision.Strategy));
                writer.WriteString("reason", PersonalizationService.Reason(decision.Reason));
                if (decision.Variant is { } variant)
                {
                    writer.WriteString("variant", variant.Key);
                    writer.WriteString("entryId", variant.Entry);
                }
                writer.WriteStartArray("matched");
                foreach (var matched in decision.Matched)
                {
                    writer.WriteStringValue(matched);
                }
                writer.WriteEndArray();
                if (decision.Score is { } score)
                {
                    writer.WriteNumber("score", score);
                }
                if (decision.HeldOut is { } heldOut)
                {
                    writer.WriteBoolean("holdout", heldOut);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteNumber("ttl", retentionDays * 86_400);
            writer.WriteString("createdAt", Instants.Format(time.GetUtcNow()));
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
