using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;

namespace Cx.Core.Personalization;

/// <summary>
/// When a customer is deleted, deletes what personalization kept beside the profile (the holdout
/// assignments document in the customer's partition). Idempotent: a document already gone is fine.
/// </summary>
public sealed class PersonalizationErasureHook(IDocumentStore store) : IChangeHook
{
    public string Name => "personalization-erasure";

    public bool Wants(ChangeRecord change) =>
        change.Container == Containers.Customers && change.Type == CustomerProfile.TypeKey && change.Kind == ChangeKind.Delete;

    public async ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            try
            {
                await store.DeleteAsync(
                    Containers.Customers,
                    new DocumentKey(change.PartitionKey, PersonalizationDocuments.AssignmentsId(change.Id)),
                    null,
                    cancellationToken
                );
            }
            catch (DocumentNotFoundException)
            {
                // Never written (no decision with a control group), or deleted by an earlier delivery.
            }
        }
    }
}
