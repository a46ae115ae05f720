using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Identity;
using Cx.Core.Notifications;
using Cx.Core.Personalization;
using Cx.Core.Portability;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Cx.Core.Webhooks;

namespace Cx.Core.Privacy;

/// <summary>One store's part of an erasure: what was done to how many items, with the SHA-256 of each item as it was.</summary>
public sealed record ErasureStep(string Store, string Action, int Count, IReadOnlyList<string> Hashes);

/// <summary>
/// The proof of an erasure: when, by whom, the SHA-256 of the customer id (so whoever knows the id
/// can check the proof is about it, and no one else can read the id from it), the pseudonym that
/// replaced it where records stay, and each store's step.
/// </summary>
public sealed record ErasureProof(
    string ErasureId,
    string CustomerIdSha256,
    string Pseudonym,
    string ErasedAt,
    string ErasedBy,
    IReadOnlyList<ErasureStep> Steps
);

/// <summary>
/// Answers an erasure request. Records that must stay for aggregates or the business (orders,
/// tickets, feedback, analytics facts) are anonymised: the relation to the customer becomes a
/// pseudonym and every other personal field is erased; what exists only for the customer
/// (profile, notification preferences, deliveries, inbox, personalization assignments, sessions)
/// is deleted. The proof goes to the audit log (hash-chained) and back to the caller.
/// </summary>
public sealed class PrivacyErasureService(
    IDocumentStore store,
    EntryService entries,
    ExportService exports,
    PrivacyAccessService access,
    AuditLog audit,
    TimeProvider time,
    IEnumerable<IPersonalDataEraser> erasers,
    IAnalyticsPseudonymizer? analytics = null,
    IIdentityLinkStore? links = null
)
{
    public const string ErasureAction = "privacy.erasure";

    /// <summary>The value that replaces an erased text.</summary>
    public const string ErasedText = "[erased]";

    public async Task<ErasureProof> EraseAsync(string customerId, CancellationToken cancellationToken)
    {
        var profile =
            await store.ReadAsync(Containers.Customers, new DocumentKey(customerId, customerId), cancellationToken)
            ?? throw new NotFoundException("Customer", customerId);
        if (profile.Type != CustomerProfile.TypeKey)
        {
            throw new NotFoundException("Customer", customerId);
        }
        var pseudonym = "erased-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var map = await access.MapAsync(cancellationToken);
        var steps = new List<ErasureStep>();

        // Entries that name the customer stay (orders, tickets, feedback feed reports), anonymised.
        foreach (var (type, fields) in map.CustomerRelations)
        {
            if (type == CustomerProfile.TypeKey)
            {
                continue;
            }
            var personal = map.Of(type);
            var hashes = new List<string>();
            foreach (var field in fields)
            {
                var plan = await exports.PlanAsync(
                    type,
                    [new RawFilter(field, "eq", customerId, $"filter[{field}]")],
                    null,
                    cancellationToken
                );
                var pages = new List<StoredDocument>();
                await foreach (var page in exports.PagesAsync(plan, cancellationToken))
                {
                    pages.AddRange(page);
                }
                foreach (var document in pages)
                {
                    hashes.Add(Sha256(document.Json.Span));
                    var entry = JsonNode.Parse(document.Json.Span)!.AsObject();
                    Anonymize(entry, personal, customerId, pseudonym);
                    await store.ReplaceAsync(
                        plan.Schema.Container,
                        new DocumentWrite(document.Id, document.PartitionKey, document.Type, Encoding.UTF8.GetBytes(entry.ToJsonString())),
                        document.ETag,
                        cancellationToken
                    );
                }
            }
            steps.Add(new($"content/{type}", "anonymized", hashes.Count, hashes));
        }

        // What exists only for the customer goes.
        steps.Add(
            await DeletePartitionAsync(
                Containers.Notifications,
                NotificationLog.DeliveryType,
                customerId,
                "notification-deliveries",
                cancellationToken
            )
        );
        steps.Add(await DeletePartitionAsync(Containers.Notifications, NotificationLog.InboxType, customerId, "inbox", cancellationToken));
        steps.Add(
            await DeleteOneAsync(
                Containers.Notifications,
                new DocumentKey(customerId, NotificationPreferences.DocumentId),
                "notification-preferences",
                cancellationToken
            )
        );
        steps.Add(
            await DeleteOneAsync(
                Containers.Customers,
                new DocumentKey(customerId, PersonalizationDocuments.AssignmentsId(customerId)),
                "personalization",
                cancellationToken
            )
        );

        // The anonymous ids identified as the customer, read before the analytics renames them.
        IReadOnlyList<string> anonymousIds = links is null ? [] : await links.GetAnonymousIdsAsync(customerId, cancellationToken);
        steps.Add(await EraseDecisionsAsync(customerId, anonymousIds, cancellationToken));
        steps.Add(await EraseWebhookPayloadsAsync([customerId, .. anonymousIds], cancellationToken));

        // Events: the analytics facts keep their counts under a pseudonym; identified anonymous ids go with the customer.
        if (analytics is not null)
        {
            var result = await analytics.PseudonymizeAsync(customerId, pseudonym, cancellationToken);
            steps.Add(new("analytics", "pseudonymized", result.Subjects, [.. result.AnonymousIds.Select(Sha256)]));
            // The analytics names the n-th anonymous id pseudonym-n; the other stores use the same names.
            anonymousIds = [.. result.AnonymousIds, .. anonymousIds.Except(result.AnonymousIds, StringComparer.Ordinal)];
        }
        else
        {
            steps.Add(new("analytics", "not-supported-by-provider", 0, []));
        }

        // The stores behind adapters (realtime channels, device sessions, the raw event log): each says what it did,
        // or the proof says the provider's adapter cannot.
        var subject = new ErasureSubject(
            customerId,
            pseudonym,
            anonymousIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => $"{pseudonym}-{p.i + 1}", StringComparer.Ordinal)
        );
        foreach (var store in ErasureStores.Adapters)
        {
            var eraser = erasers.FirstOrDefault(e => e.Store == store);
            steps.Add(
                eraser is null ? new(store, "not-supported-by-provider", 0, []) : await eraser.EraseAsync(subject, cancellationToken)
            );
        }

        // Last the profile: deleting it signs the customer out everywhere (sessions, refresh tokens)
        // and its change lets the hooks drop segment memberships and the rest.
        var profileHash = Sha256(profile.Json.Span);
        await entries.DeleteAsync(CustomerProfile.TypeKey, customerId, null, cancellationToken);
        steps.Add(new("profile", "deleted", 1, [profileHash]));
        steps.Add(new("sessions", "revoked", 1, []));

        var actor = CurrentActor.Get();
        var proof = new ErasureProof(
            "era_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            Sha256(customerId),
            pseudonym,
            Instants.Format(time.GetUtcNow()),
            actor.Describe(),
            steps
        );
        await audit.RecordAsync(
            ErasureAction,
            CustomerProfile.TypeKey,
            "sha256:" + proof.CustomerIdSha256,
            details: proof,
            cancellationToken: cancellationToken
        );
        return proof;
    }

    /// <summary>
    /// Erases the personal fields of an entry: the relation to the customer becomes the pseudonym,
    /// a text becomes <see cref="ErasedText"/> (required texts stay present), anything else is removed.
    /// </summary>
    public static void Anonymize(JsonObject entry, IReadOnlyList<PersonalField> personal, string customerId, string pseudonym)
    {
        foreach (var field in personal)
        {
            var path = field.Path.Split('.');
            JsonObject? parent = entry;
            for (var i = 0; i < path.Length - 1 && parent is not null; i++)
            {
                parent = parent[path[i]] as JsonObject;
            }
            var name = path[^1];
            if (parent is null || !parent.TryGetPropertyValue(name, out var value) || value is null)
            {
                continue;
            }
            if (value is JsonValue text && text.TryGetValue<string>(out var s))
            {
                parent[name] = s == customerId ? pseudonym : ErasedText;
            }
            else
            {
                parent.Remove(name);
            }
        }
    }

    /// <summary>The sampled personalization decisions about the customer or their anonymous ids are deleted.</summary>
    private async Task<ErasureStep> EraseDecisionsAsync(
        string customerId,
        IReadOnlyList<string> anonymousIds,
        CancellationToken cancellationToken
    )
    {
        var hashes = new List<string>();
        var filters = new List<(string Field, string Value)> { ("customerId", customerId) };
        filters.AddRange(anonymousIds.Select(a => ("anonymousId", a)));
        foreach (var (field, value) in filters)
        {
            while (true)
            {
                var page = await store.QueryAsync(
                    Containers.Definitions,
                    new DocumentQuery
                    {
                        Type = PersonalizationDocuments.DecisionLog,
                        PartitionKey = PersonalizationDocuments.DecisionLog,
                        Filter = new Comparison(FieldPath.Parse(field), ComparisonOperator.Eq, ScalarValue.From(value)),
                        Limit = 200,
                    },
                    cancellationToken
                );
                foreach (var document in page.Items)
                {
                    hashes.Add(Sha256(document.Json.Span));
                    await DeleteQuietlyAsync(Containers.Definitions, document.Key, cancellationToken);
                }
                if (page.Items.Count < 200)
                {
                    break;
                }
            }
        }
        return new("decision-log", "deleted", hashes.Count, hashes);
    }

    /// <summary>What a delivery's payload becomes once it named the customer (a replay sends it as it is now).</summary>
    public const string ErasedPayload = """{"erased":true}""";

    /// <summary>
    /// The webhook deliveries whose payload names the customer or one of their anonymous ids (as a JSON
    /// string value) keep their status and attempts, but the payload becomes <see cref="ErasedPayload"/>
    /// and the receivers' response bodies are dropped. Reads every delivery of every subscription.
    /// </summary>
    private async Task<ErasureStep> EraseWebhookPayloadsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var needles = ids.Select(id => System.Text.Json.JsonSerializer.Serialize(id)).ToArray();
        var hashes = new List<string>();
        var query = new DocumentQuery { Type = WebhookDeliveryLog.DeliveryType, Limit = 500 };
        while (true)
        {
            var page = await store.QueryAsync(WebhookDeliveryLog.Container, query, cancellationToken);
            foreach (var document in page.Items)
            {
                var current = document;
                while (current is not null && Names(current, needles))
                {
                    try
                    {
                        await store.ReplaceAsync(
                            WebhookDeliveryLog.Container,
                            new DocumentWrite(current.Id, current.PartitionKey, current.Type, ErasePayload(current)),
                            current.ETag,
                            cancellationToken
                        );
                        hashes.Add(Sha256(current.Json.Span));
                        break;
                    }
                    catch (DocumentNotFoundException)
                    {
                        break; // expired or deleted meanwhile: nothing left to erase
                    }
                    catch (PreconditionFailedException)
                    {
                        // A retry of the delivery recorded an attempt meanwhile: erase the new version.
                        current = await store.ReadAsync(WebhookDeliveryLog.Container, current.Key, cancellationToken);
                    }
                }
            }
            if (page.Next is null || page.Items.Count == 0)
            {
                break;
            }
            query = query with { After = page.Next };
        }
        return new("webhook-deliveries", "payloads-erased", hashes.Count, hashes);
    }

    private static bool Names(StoredDocument delivery, string[] needles)
    {
        using var json = System.Text.Json.JsonDocument.Parse(delivery.Json);
        return json.RootElement.TryGetProperty("payload", out var payload)
            && payload.ValueKind == System.Text.Json.JsonValueKind.String
            && payload.GetString() is { } text
            && needles.Any(n => text.Contains(n, StringComparison.Ordinal));
    }

    private static byte[] ErasePayload(StoredDocument document)
    {
        var delivery = JsonNode.Parse(document.Json.Span)!.AsObject();
        delivery["payload"] = ErasedPayload;
        delivery["payloadErased"] = true;
        if (delivery["attempts"] is JsonArray attempts)
        {
            foreach (var attempt in attempts)
            {
                (attempt?["response"] as JsonObject)?.Remove("body");
            }
        }
        return Encoding.UTF8.GetBytes(delivery.ToJsonString());
    }

    private async Task<ErasureStep> DeletePartitionAsync(
        string container,
        string type,
        string customerId,
        string name,
        CancellationToken cancellationToken
    )
    {
        var hashes = new List<string>();
        var query = new DocumentQuery
        {
            Type = type,
            PartitionKey = customerId,
            Limit = 500,
        };
        while (true)
        {
            var page = await store.QueryAsync(container, query, cancellationToken);
            foreach (var document in page.Items)
            {
                hashes.Add(Sha256(document.Json.Span));
                await DeleteQuietlyAsync(container, document.Key, cancellationToken);
            }
            if (page.Next is null || page.Items.Count == 0)
            {
                break;
            }
        }
        return new(name, "deleted", hashes.Count, hashes);
    }

    private async Task<ErasureStep> DeleteOneAsync(string container, DocumentKey key, string name, CancellationToken cancellationToken)
    {
        var document = await store.ReadAsync(container, key, cancellationToken);
        if (document is null)
        {
            return new(name, "deleted", 0, []);
        }
        await DeleteQuietlyAsync(container, key, cancellationToken);
        return new(name, "deleted", 1, [Sha256(document.Json.Span)]);
    }

    private async Task DeleteQuietlyAsync(string container, DocumentKey key, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(container, key, null, cancellationToken);
        }
        catch (DocumentNotFoundException)
        {
            // Deleted meanwhile (a hook, a concurrent request): the goal is reached.
        }
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Sha256(string text) => Sha256(Encoding.UTF8.GetBytes(text));
}
