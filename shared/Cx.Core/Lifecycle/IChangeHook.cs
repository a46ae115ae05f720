using Cx.Core.Documents;

namespace Cx.Core.Lifecycle;

/// <summary>
/// A lifecycle hook: reacts to committed document changes (segmentation, notifications,
/// webhooks, realtime, cache invalidation). Delivery is at-least-once, in commit order per
/// document, so a hook must be idempotent; it must not re-trigger itself (a hook that writes
/// documents recognises and ignores the changes it caused).
/// </summary>
public interface IChangeHook
{
    /// <summary>Stable name; the hook's checkpoint is stored under it.</summary>
    string Name { get; }

    /// <summary>Whether the hook cares about a change (cheap: container and type).</summary>
    bool Wants(ChangeRecord change);

    /// <summary>Handles changes the hook wants, in feed order. Throwing means "deliver again".</summary>
    ValueTask HandleAsync(IReadOnlyList<ChangeRecord> changes, CancellationToken cancellationToken);
}
