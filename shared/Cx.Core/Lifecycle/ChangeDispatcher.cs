using Cx.Core.Documents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Lifecycle;

/// <summary>
/// The one dispatcher of lifecycle hooks. It reads the store's change feed with a checkpoint per
/// hook (so one failing hook never holds the others back), hands each hook the changes it wants,
/// and commits after the hook returns. A batch that fails is retried change by change; each failed
/// attempt is counted in the store (<see cref="HookFailureStore"/>), so the count survives restarts
/// and is shared by every instance, and a change that has failed
/// <see cref="HookOptions.MaxAttempts"/> times is dead-lettered there and skipped, so one poison
/// change cannot stop a hook. Admins list, replay and discard dead letters (<see cref="DeadLetterService"/>).
/// </summary>
public sealed partial class ChangeDispatcher(
    IEnumerable<IChangeHook> hooks,
    IChangeFeed feed,
    HookFailureStore failures,
    IOptions<HookOptions> options,
    ILogger<ChangeDispatcher> logger,
    IEnumerable<IHookCommitObserver>? observers = null
) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IHookCommitObserver[] _observers = [.. observers ?? []];

    /// <summary>Per hook: the failure documents still in the retrying state (loaded from the store once, then kept).</summary>
    private readonly Dictionary<string, HashSet<string>> _retrying = new(StringComparer.Ordinal);

    public IReadOnlyList<IChangeHook> Hooks { get; } = [.. hooks];

    /// <summary>Delivers everything pending to every hook; returns how many changes were delivered. One run at a time per process.</summary>
    public async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var delivered = 0;
            foreach (var hook in Hooks)
            {
                delivered += await DrainAsync(hook, cancellationToken);
            }
            return delivered;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Hands one stored change to a hook again (a dead letter's replay), between dispatch runs of this process.</summary>
    public async Task ReplayAsync(IChangeHook hook, ChangeRecord change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await hook.HandleAsync([change], cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> DrainAsync(IChangeHook hook, CancellationToken cancellationToken)
    {
        var consumer = "hook:" + hook.Name;
        if (!_retrying.TryGetValue(hook.Name, out var retrying))
        {
            retrying = await failures.RetryingIdsAsync(hook.Name, cancellationToken);
            _retrying[hook.Name] = retrying;
        }
        var delivered = 0;
        while (true)
        {
            var batch = await feed.ReadAsync(consumer, options.Value.BatchSize, cancellationToken);
            if (batch.Changes.Count == 0)
            {
                return delivered;
            }
            var wanted = batch.Changes.Where(hook.Wants).ToList();
            if (wanted.Count > 0)
            {
                try
                {
                    await hook.HandleAsync(wanted, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogBatchFailed(logger, ex, hook.Name, wanted.Count);
                    if (!await HandleOneByOneAsync(hook, wanted, retrying, cancellationToken))
                    {
                        return delivered;
                    }
                }
                foreach (var observer in _observers)
                {
                    await observer.BeforeCommitAsync(hook.Name, wanted, cancellationToken);
                }
            }
            await feed.CommitAsync(consumer, batch.Checkpoint, cancellationToken);
            await ClearRetryingAsync(hook, wanted, retrying, cancellationToken);
            delivered += wanted.Count;
            if (batch.Changes.Count < options.Value.BatchSize)
            {
                return delivered;
            }
        }
    }

    /// <summary>
    /// After a failed batch: each change alone. A change that fails has its attempt counted in the
    /// store and is retried on the next round (the whole batch is delivered again: hooks are
    /// idempotent); at <see cref="HookOptions.MaxAttempts"/> it is dead-lettered and skipped, as is
    /// a change already dead-lettered (or replayed) by an earlier round, process or instance. True
    /// when every change succeeded or was given up, so the batch may be committed.
    /// </summary>
    private async Task<bool> HandleOneByOneAsync(
        IChangeHook hook,
        List<ChangeRecord> wanted,
        HashSet<string> retrying,
        CancellationToken cancellationToken
    )
    {
        var ids = wanted.Select(c => HookFailureStore.RecordId(hook.Name, c)).ToList();
        var known = await failures.ReadManyAsync(hook.Name, ids, cancellationToken);
        for (var i = 0; i < wanted.Count; i++)
        {
            var change = wanted[i];
            if (known.TryGetValue(ids[i], out var failure) && failure.Status != HookFailureStatus.Retrying)
            {
                continue;
            }
            try
            {
                await hook.HandleAsync([change], cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failure = await failures.RecordAttemptAsync(hook.Name, change, ex, options.Value.MaxAttempts, cancellationToken);
                if (failure.Status == HookFailureStatus.Retrying)
                {
                    retrying.Add(failure.Id);
                    LogChangeFailed(logger, ex, hook.Name, change.Container, change.Id, failure.Attempts);
                    return false;
                }
                retrying.Remove(failure.Id);
                LogDeadLettered(logger, ex, hook.Name, change.Container, change.Id, change.Position, failure.Attempts, failure.Id);
            }
        }
        return true;
    }

    /// <summary>Once a batch is committed, the attempt counts of its changes that were being retried are no longer needed.</summary>
    private async Task ClearRetryingAsync(
        IChangeHook hook,
        List<ChangeRecord> committed,
        HashSet<string> retrying,
        CancellationToken cancellationToken
    )
    {
        if (retrying.Count == 0)
        {
            return;
        }
        foreach (var change in committed)
        {
            var id = HookFailureStore.RecordId(hook.Name, change);
            if (!retrying.Remove(id))
            {
                continue;
            }
            var failure = await failures.ReadAsync(hook.Name, id, cancellationToken);
            if (failure?.Status == HookFailureStatus.Retrying)
            {
                try
                {
                    await failures.DeleteAsync(hook.Name, id, failure.ETag, cancellationToken);
                }
                catch (ETagMismatchException)
                {
                    // Changed by another instance meanwhile (dead-lettered there): keep its state.
                }
            }
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(
        EventId = 2001,
        Level = LogLevel.Warning,
        Message = "Hook {Hook} failed on a batch of {Count} changes; retrying them one by one"
    )]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, string hook, int count);

    [LoggerMessage(
        EventId = 2002,
        Level = LogLevel.Warning,
        Message = "Hook {Hook} failed on {Container}/{Id} (attempt {Attempt}); will retry"
    )]
    private static partial void LogChangeFailed(ILogger logger, Exception exception, string hook, string container, string id, int attempt);

    [LoggerMessage(
        EventId = 2003,
        Level = LogLevel.Error,
        Message = "Hook {Hook} gave up on {Container}/{Id} at position {Position} after {Attempts} attempts: dead letter {DeadLetterId}"
    )]
    private static partial void LogDeadLettered(
        ILogger logger,
        Exception exception,
        string hook,
        string container,
        string id,
        string position,
        int attempts,
        string deadLetterId
    );
}
