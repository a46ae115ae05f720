using Cx.Core.Documents;

namespace Cx.Core.Lifecycle;

/// <summary>
/// Called by the dispatcher after a hook handled a batch and before its checkpoint is committed.
/// The product registers none; the DevHost registers one only for fault injection (a halt at this
/// exact point, so a test can kill the process and prove the batch is delivered again).
/// </summary>
public interface IHookCommitObserver
{
    ValueTask BeforeCommitAsync(string hook, IReadOnlyList<ChangeRecord> handled, CancellationToken cancellationToken);
}
