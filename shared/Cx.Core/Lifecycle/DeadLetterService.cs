using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Identity;

namespace Cx.Core.Lifecycle;

/// <summary>What a replay did.</summary>
public enum ReplayOutcome
{
    /// <summary>The hook handled the change; the dead letter is now <see cref="HookFailureStatus.Replayed"/>.</summary>
    Replayed,

    /// <summary>Replayed before: nothing was run again.</summary>
    AlreadyReplayed,

    /// <summary>The hook failed again; the dead letter stays, with the attempt and the error counted.</summary>
    Failed,
}

/// <summary>
/// Admin operations on the failures of lifecycle hooks: list, inspect, replay (the hook runs again
/// on the stored change), discard. Replay and discard are audited. Replay is idempotent: a dead
/// letter is replayed at most once successfully, and hooks are idempotent, so replaying a change
/// the dispatcher also redelivers has no second effect.
/// </summary>
public sealed class DeadLetterService(HookFailureStore failures, ChangeDispatcher dispatcher, AuditLog audit, TimeProvider time)
{
    public const string TargetType = "dead-letter";

    private const int MaxSaveAttempts = 5;

    public ValueTask<DocumentPage> ListAsync(
        string? hook,
        HookFailureStatus? status,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => failures.ListAsync(hook, status, limit, after, cancellationToken);

    public async Task<HookFailure> GetAsync(string hook, string id, CancellationToken cancellationToken) =>
        await failures.ReadAsync(hook, id, cancellationToken) ?? throw new NotFoundException("Dead letter", id);

    /// <summary>Runs the failed hook again on the stored change (only for a dead letter, not a change still being retried).</summary>
    public async Task<(ReplayOutcome Outcome, HookFailure Failure)> ReplayAsync(string hook, string id, CancellationToken cancellationToken)
    {
        var failure = await GetAsync(hook, id, cancellationToken);
        if (failure.Status == HookFailureStatus.Replayed)
        {
            await audit.RecordAsync(
                AuditActions.DeadLetterReplayed,
                TargetType,
                hook + "/" + id,
                details: Details(failure, null, "already-replayed"),
                cancellationToken: cancellationToken
            );
            return (ReplayOutcome.AlreadyReplayed, failure);
        }
        RequireSettled(failure, "replayed");
        var target =
            dispatcher.Hooks.FirstOrDefault(h => h.Name == hook)
            ?? throw new ConflictException(
                "hook-unknown",
                $"No lifecycle hook named '{hook}' runs in this app; discard the dead letter instead."
            );
        Exception? error = null;
        try
        {
            await dispatcher.ReplayAsync(target, failure.Change, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex;
        }
        var actor = CurrentActor.Get().Describe();
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var updated = error is null
                ? failure with
                {
                    Status = HookFailureStatus.Replayed,
                    ReplayedAt = now,
                    ReplayedBy = actor,
                }
                : failure with
                {
                    Attempts = failure.Attempts + 1,
                    LastFailedAt = now,
                    ErrorType = error.GetType().FullName ?? error.GetType().Name,
                    ErrorMessage =
                        error.Message.Length <= HookFailureStore.MaxErrorMessageLength
                            ? error.Message
                            : error.Message[..HookFailureStore.MaxErrorMessageLength] + "…",
                };
            try
            {
                failure = await failures.SaveAsync(updated, failure.ETag, cancellationToken);
                break;
            }
            catch (ETagMismatchException) when (attempt < MaxSaveAttempts)
            {
                failure = await GetAsync(hook, id, cancellationToken);
                if (failure.Status == HookFailureStatus.Replayed)
                {
                    break; // a concurrent replay got there first
                }
            }
        }
        await audit.RecordAsync(
            AuditActions.DeadLetterReplayed,
            TargetType,
            hook + "/" + id,
            success: error is null,
            details: Details(failure, error, error is null ? "replayed" : "failed"),
            cancellationToken: cancellationToken
        );
        return (error is null ? ReplayOutcome.Replayed : ReplayOutcome.Failed, failure);
    }

    /// <summary>Deletes a dead letter (dead or replayed); the audit entry keeps what it was.</summary>
    public async Task DiscardAsync(string hook, string id, CancellationToken cancellationToken)
    {
        var failure = await GetAsync(hook, id, cancellationToken);
        RequireSettled(failure, "discarded");
        try
        {
            if (!await failures.DeleteAsync(hook, id, failure.ETag, cancellationToken))
            {
                throw new NotFoundException("Dead letter", id);
            }
        }
        catch (ETagMismatchException)
        {
            throw new ConflictException("dead-letter-changed", "The dead letter changed while it was being discarded; read it again.");
        }
        await audit.RecordAsync(
            AuditActions.DeadLetterDiscarded,
            TargetType,
            hook + "/" + id,
            details: Details(failure, null, "discarded"),
            cancellationToken: cancellationToken
        );
    }

    private static void RequireSettled(HookFailure failure, string verb)
    {
        if (failure.Status == HookFailureStatus.Retrying)
        {
            throw new ConflictException(
                "dead-letter-retrying",
                $"The change is still being retried by the dispatcher (attempt {failure.Attempts}); only a dead letter can be {verb}."
            );
        }
    }

    private static Dictionary<string, object?> Details(HookFailure failure, Exception? error, string outcome)
    {
        var details = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["outcome"] = outcome,
            ["hook"] = failure.Hook,
            ["status"] = HookFailureStore.StatusName(failure.Status),
            ["attempts"] = failure.Attempts,
            ["container"] = failure.Change.Container,
            ["documentId"] = failure.Change.Id,
            ["partitionKey"] = failure.Change.PartitionKey,
            ["position"] = failure.Change.Position,
        };
        if (error is not null)
        {
            details["error"] = error.GetType().Name;
        }
        return details;
    }
}
