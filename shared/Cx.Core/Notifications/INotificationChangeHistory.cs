using Cx.Core.Documents;

namespace Cx.Core.Notifications;

/// <summary>
/// The past changes of entries as the change feed delivered them (with the earlier body), read for a
/// content trigger's dry run. The embedded store keeps them in its change table until the retention
/// prunes them; a store whose change feed keeps no history (Cosmos DB in latest-version mode) has no
/// adapter, and the dry run falls back to the entries as they are now.
/// </summary>
public interface INotificationChangeHistory
{
    /// <summary>The upserts of the entries <paramref name="ids"/> of <paramref name="type"/>, newest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<ChangeRecord>> ReadAsync(
        string container,
        string type,
        IReadOnlyCollection<string> ids,
        int limit,
        CancellationToken cancellationToken
    );
}
