using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Notifications;
using Cx.Core.Personalization;
using Cx.Core.Portability;
using Cx.Core.Profiles;
using Microsoft.Extensions.Options;

namespace Cx.Core.Privacy;

/// <summary>
/// Answers an access request: the plan of a bundle of everything held about a customer (profile,
/// entries of every type that names the customer, events with the merged anonymous history,
/// anonymous ids, notification preferences and consents, deliveries, inbox, personalization
/// assignments, audit entries about them). Building the plan reads only the profile; the
/// sections read their stores page by page while the bundle is written.
/// </summary>
public sealed class PrivacyAccessService(
    ContentTypeRegistry registry,
    IDocumentStore store,
    ExportService exports,
    AuditLog audit,
    TimeProvider time,
    IOptions<PrivacyOptions> options,
    ITimelineReader? timeline = null,
    IIdentityLinkStore? links = null
)
{
    public const string AccessAction = "privacy.access-request";

    /// <summary>Columns of sections that are not entries of a content type: the id and the whole item as JSON.</summary>
    public static IReadOnlyList<ExportColumn> DocumentColumns { get; } =
    [
        new("id", ["id"], ExportColumnKind.String),
        new("type", ["type"], ExportColumnKind.String),
        new("document", [], ExportColumnKind.JsonText),
    ];

    /// <summary>The columns of the events section.</summary>
    public static IReadOnlyList<ExportColumn> EventColumns { get; } =
    [
        new("id", ["id"], ExportColumnKind.String),
        new("type", ["type"], ExportColumnKind.String),
        new("timestamp", ["timestamp"], ExportColumnKind.String),
        new("receivedAt", ["receivedAt"], ExportColumnKind.String),
        new("customerId", ["customerId"], ExportColumnKind.String),
        new("anonymousId", ["anonymousId"], ExportColumnKind.String),
        new("page", ["page"], ExportColumnKind.String),
        new("properties", ["properties"], ExportColumnKind.JsonText),
    ];

    /// <summary>The personal-data map of the content model as it is now.</summary>
    public async Task<PersonalDataMap> MapAsync(CancellationToken cancellationToken)
    {
        var snapshot = await registry.GetDefinitionsAsync(cancellationToken);
        return PersonalDataMap.Build(snapshot.Types.Values.Select(t => t.Definition), snapshot.FindComponent);
    }

    /// <summary>The bundle of one customer; 404 when there is no such customer. Records the request in the audit log.</summary>
    public async Task<PersonalDataBundle> PlanAsync(string customerId, CancellationToken cancellationToken)
    {
        var profile =
            await store.ReadAsync(Containers.Customers, new DocumentKey(customerId, customerId), cancellationToken)
            ?? throw new NotFoundException("Customer", customerId);
        if (profile.Type != CustomerProfile.TypeKey)
        {
            throw new NotFoundException("Customer", customerId);
        }
        var map = await MapAsync(cancellationToken);
        var pageSize = options.Value.AccessPageSize;
        var customerSchema = await registry.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
        var sections = new List<PersonalDataSection> { new("profile", ExportColumns.For(customerSchema), _ => One(profile)) };
        foreach (var (type, fields) in map.CustomerRelations)
        {
            if (type == CustomerProfile.TypeKey)
            {
                continue;
            }
            foreach (var field in fields)
            {
                var plan = await exports.PlanAsync(
                    type,
                    [new RawFilter(field, "eq", customerId, $"filter[{field}]")],
                    after: null,
                    cancellationToken
                );
                plan = plan with { Query = plan.Query with { Limit = pageSize } };
                var name = fields.Count == 1 ? $"content/{type}" : $"content/{type}/{field}";
                sections.Add(new(name, plan.Columns, ct => exports.PagesAsync(plan, ct)));
            }
        }
        sections.Add(new("events", EventColumns, ct => EventPagesAsync(customerId, pageSize, ct)));
        sections.Add(new("anonymous-ids", DocumentColumns, ct => AnonymousIdsAsync(customerId, ct)));
        sections.Add(
            new(
                "notification-preferences",
                DocumentColumns,
                ct => ReadOneAsync(Containers.Notifications, new DocumentKey(customerId, NotificationPreferences.DocumentId), ct)
            )
        );
        sections.Add(
            new(
                "notification-deliveries",
                DocumentColumns,
                ct => PartitionPagesAsync(Containers.Notifications, NotificationLog.DeliveryType, customerId, pageSize, ct)
            )
        );
        sections.Add(
            new(
                "inbox",
                DocumentColumns,
                ct => PartitionPagesAsync(Containers.Notifications, NotificationLog.InboxType, customerId, pageSize, ct)
            )
        );
        sections.Add(
            new(
                "personalization",
                DocumentColumns,
                ct =>
                    ReadOneAsync(Containers.Customers, new DocumentKey(customerId, PersonalizationDocuments.AssignmentsId(customerId)), ct)
            )
        );
        sections.Add(new("audit", DocumentColumns, ct => AuditPagesAsync(customerId, pageSize, ct)));
        await audit.RecordAsync(AccessAction, CustomerProfile.TypeKey, customerId, cancellationToken: cancellationToken);
        return new PersonalDataBundle(customerId, time.GetUtcNow(), map.Fields, sections);
    }

    private static async IAsyncEnumerable<IReadOnlyList<StoredDocument>> One(StoredDocument document)
    {
        await Task.CompletedTask;
        yield return [document];
    }

    private async IAsyncEnumerable<IReadOnlyList<StoredDocument>> ReadOneAsync(
        string container,
        DocumentKey key,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        if (await store.ReadAsync(container, key, cancellationToken) is { } document)
        {
            yield return [document];
        }
    }

    private async IAsyncEnumerable<IReadOnlyList<StoredDocument>> PartitionPagesAsync(
        string container,
        string type,
        string customerId,
        int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var query = new DocumentQuery
        {
            Type = type,
            PartitionKey = customerId,
            Limit = pageSize,
        };
        while (true)
        {
            var page = await store.QueryAsync(container, query, cancellationToken);
            if (page.Items.Count > 0)
            {
                yield return page.Items;
            }
            if (page.Next is null)
            {
                yield break;
            }
            query = query with { After = page.Next };
        }
    }

    private async IAsyncEnumerable<IReadOnlyList<StoredDocument>> AuditPagesAsync(
        string customerId,
        int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        RawFilter[] filters = [new("targetId", "eq", customerId, "filter[targetId]")];
        Keyset? after = null;
        do
        {
            var page = await audit.QueryAsync(filters, pageSize, after, cancellationToken);
            if (page.Items.Count > 0)
            {
                yield return page.Items;
            }
            after = page.Next;
        } while (after is not null);
    }

    private async IAsyncEnumerable<IReadOnlyList<StoredDocument>> AnonymousIdsAsync(
        string customerId,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        if (links is null)
        {
            yield break;
        }
        var ids = await links.GetAnonymousIdsAsync(customerId, cancellationToken);
        if (ids.Count > 0)
        {
            yield return [.. ids.Select(id => Document(id, "anonymousId", w => w.WriteString("anonymousId", id)))];
        }
    }

    private async IAsyncEnumerable<IReadOnlyList<StoredDocument>> EventPagesAsync(
        string customerId,
        int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        if (timeline is null)
        {
            yield break;
        }
        TimelinePosition? after = null;
        do
        {
            var page = await timeline.ReadTimelineAsync(customerId, null, pageSize, after, cancellationToken);
            if (page.Items.Count > 0)
            {
                yield return [.. page.Items.Select(EventDocument)];
            }
            after = page.Next;
        } while (after is not null);
    }

    /// <summary>An event as the bundle shows it: the fields of the timeline, properties as stored.</summary>
    public static StoredDocument EventDocument(TrackedEvent item) =>
        Document(
            item.Id,
            "event",
            w =>
            {
                w.WriteString("type", item.Type);
                w.WriteString("timestamp", Instants.Format(item.Timestamp));
                w.WriteString("receivedAt", Instants.Format(item.ReceivedAt));
                if (item.CustomerId is not null)
                {
                    w.WriteString("customerId", item.CustomerId);
                }
                if (item.AnonymousId is not null)
                {
                    w.WriteString("anonymousId", item.AnonymousId);
                }
                if (item.Page is not null)
                {
                    w.WriteString("page", item.Page);
                }
                w.WritePropertyName("properties");
                w.WriteRawValue(item.Properties.Span, skipInputValidation: true);
            },
            writeType: false
        );

    private static StoredDocument Document(string id, string type, Action<Utf8JsonWriter> body, bool writeType = true)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            if (writeType)
            {
                writer.WriteString("type", type);
            }
            body(writer);
            writer.WriteEndObject();
        }
        return new StoredDocument(id, id, type, "", buffer.WrittenMemory.ToArray());
    }
}
