using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;

namespace Cx.Core.Personalization;

/// <summary>
/// Expires the personalization cache from the change feed: a content entry's tag when it changes,
/// a content type's tag when its definition does (entries may no longer be valid), a customer's tag
/// when the profile (membership, stage, language) or its holdout assignments change, and the
/// placements when a placement or the customer type changes. Idempotent: expiring twice is harmless.
/// </summary>
public sealed class PersonalizationCacheHook(PersonalizationCache cache) : IChangeHook
{
    public string Name => "personalization-cache";

    public bool Wants(ChangeRecord change) =>
        change.Container switch
        {
            Containers.Content => true,
            Containers.Customers => change.Type is CustomerProfile.TypeKey or PersonalizationDocuments.Assignments,
            Containers.Definitions => change.Type
                is PersonalizationDocuments.Placement
                    or ContentTypeRegistry.ContentTypeDocument
                    or ContentTypeRegistry.ComponentDocument,
            _ => false,
        };

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            foreach (var tag in TagsOf(change))
            {
                tags.Add(tag);
            }
        }
        await cache.InvalidateAsync(tags, cancellationToken);
    }

    public static IEnumerable<string> TagsOf(ChangeRecord change)
    {
        switch (change.Container)
        {
            case Containers.Content:
                yield return PersonalizationTags.Entry(change.Type, change.Id);
                break;
            case Containers.Customers:
                // The partition is the customer id, for the profile and for its assignments document.
                yield return PersonalizationTags.Customer(change.PartitionKey);
                break;
            case Containers.Definitions when change.Type == PersonalizationDocuments.Placement:
                yield return PersonalizationTags.Placements;
                yield return PersonalizationTags.Placement(change.Id);
                break;
            case Containers.Definitions when change.Type == ContentTypeRegistry.ContentTypeDocument:
                yield return PersonalizationTags.ContentType(change.Id);
                if (change.Id == CustomerProfile.TypeKey)
                {
                    // Placement rules compile against the customer schema.
                    yield return PersonalizationTags.Placements;
                }
                break;
            case Containers.Definitions:
                // A component changed: any type using it may validate entries differently, and the customer schema may have changed.
                yield return PersonalizationTags.Placements;
                yield return "*";
                break;
        }
    }
}
