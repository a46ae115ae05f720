using System.ComponentModel.DataAnnotations;
using Cx.Core.Documents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Lifecycle;

/// <summary>Settings of the lifecycle dispatcher, bound from <c>Cx:Hooks</c>.</summary>
public sealed class HookOptions
{
    public const string Section = "Cx:Hooks";

    /// <summary>Changes read per batch and hook.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>How often the background loop polls the change feed when it is idle.</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 100;

    /// <summary>Attempts at one change before it is skipped (dead-lettered to the error log).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;
}

/// <summary>
/// The one dispatcher of lifecycle hooks. It reads the store's change feed with a checkpoint per
/// hook (so one failing hook never holds the others back), hands each hook the changes it wants,
/// and commits after the hook returns. A batch that fails is retried change by change; a change
/// that keeps failing is skipped after <see cref="HookOptions.MaxAttempts"/> and logged as
/// dead-lettered, so one poison change cannot stop a hook.
/// </summary>
public sealed partial class ChangeDispatcher(
    IEnumerable<IChangeHook> hooks,
    IChangeFeed feed,
    IOptions<HookOptions> options,
    ILogger<ChangeDispatcher> logger
) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

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

    private async Task<int> DrainAsync(IChangeHook hook, CancellationToken cancellationToken)
    {
        var consumer = "hook:" + hook.Name;
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
                    if (!await HandleOneByOneAsync(hook, consumer, batch, cancellationToken))
                    {
                        return delivered;
                    }
                    delivered += wanted.Count;
                    continue;
                }
            }
            await feed.CommitAsync(consumer, batch.Checkpoint, cancellationToken);
            delivered += wanted.Count;
            if (batch.Changes.Count < options.Value.BatchSize)
            {
                return delivered;
            }
        }
    }

    /// <summary>
    /// After a failed batch: each change alone. A change that fails is retried on the next round
    /// (the whole batch is delivered again: hooks are idempotent); one that has failed
    /// <see cref="HookOptions.MaxAttempts"/> times is skipped and logged as dead-lettered. The batch
    /// checkpoint is committed once every change has succeeded or been given up.
    /// </summary>
    private async Task<bool> HandleOneByOneAsync(IChangeHook hook, string consumer, ChangeBatch batch, CancellationToken cancellationToken)
    {
        foreach (var change in batch.Changes.Where(hook.Wants))
        {
            var key = hook.Name + "|" + change.Position;
            var attempts = _failures.GetValueOrDefault(key);
            if (attempts >= options.Value.MaxAttempts)
            {
                continue;
            }
            try
            {
                await hook.HandleAsync([change], cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _failures[key] = ++attempts;
                if (attempts < options.Value.MaxAttempts)
                {
                    LogChangeFailed(logger, ex, hook.Name, change.Container, change.Id, attempts);
                    return false;
                }
                LogDeadLettered(logger, ex, hook.Name, change.Container, change.Id, change.Position, attempts);
            }
        }
        await feed.CommitAsync(consumer, batch.Checkpoint, cancellationToken);
        foreach (var change in batch.Changes)
        {
            _failures.Remove(hook.Name + "|" + change.Position);
        }
        return true;
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
        Message = "Hook {Hook} gave up on {Container}/{Id} at position {Position} after {Attempts} attempts (dead-lettered)"
    )]
    private static partial void LogDeadLettered(
        ILogger logger,
        Exception exception,
        string hook,
        string container,
        string id,
        string position,
        int attempts
    );
}
