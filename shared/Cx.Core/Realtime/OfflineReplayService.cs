using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;

namespace Cx.Core.Realtime;

/// <summary>One offline mutation: a JSON merge patch of an entry (or of a customer profile), numbered by the client.</summary>
public sealed record OfflineMutation(long Counter, string Type, string Id, JsonObject Patch, string? IfMatch);

/// <summary>What became of one mutation: <c>applied</c> (with the entry's new ETag) or <c>duplicate</c> (applied before).</summary>
public sealed record MutationOutcome(long Counter, string Status, string? ETag);

/// <summary>A replay's answer: the client's last applied counter (the acknowledgement) and each mutation's outcome.</summary>
public sealed record ReplayResult(long LastApplied, IReadOnlyList<MutationOutcome> Outcomes);

/// <summary>
/// A mutation whose If-Match no longer holds (someone else changed the entry): nothing after it
/// was applied; <see cref="Current"/> is the entry now, so the client can rebase and send again.
/// </summary>
public sealed class MutationConflictException(long counter, long lastApplied, StoredDocument current)
    : ConflictException(
        "mutation-conflict",
        $"Mutation {counter} was based on an older version of '{current.Id}'; rebase it on the current one."
    )
{
    public long Counter { get; } = counter;

    public long LastApplied { get; } = lastApplied;

    public StoredDocument Current { get; } = current;
}

/// <summary>
/// Offline replay (Replicache's idea): a client queues mutations while offline, numbered by a
/// counter that only grows, and sends them when it is back, as often as it needs to. Mutations at
/// or below the client's last applied counter are acknowledged as duplicates without touching the
/// entry; the others are applied in order and the counter advanced after each. A mutation whose
/// If-Match is stale answers 409 with the current entry, unless the entry already holds its
/// effect (a merge patch applied before a crash that came between the write and the counter):
/// then it counts as applied. Authorised like the REST writes of the same entries.
/// </summary>
public sealed class OfflineReplayService(EntryService entries, ContentTypeRegistry registry, IMutationLedger ledger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _clients = new(StringComparer.Ordinal);

    public async Task<ReplayResult> ReplayAsync(
        Actor actor,
        string clientId,
        IReadOnlyList<OfflineMutation> mutations,
        CancellationToken cancellationToken
    )
    {
        var user = RealtimeService.UserOf(actor).UserId;
        var gate = _clients.GetOrAdd(user + "\n" + clientId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var last = await ledger.GetAsync(user, clientId, cancellationToken);
            var outcomes = new List<MutationOutcome>(mutations.Count);
            foreach (var mutation in mutations)
            {
                if (mutation.Counter <= last)
                {
                    outcomes.Add(new MutationOutcome(mutation.Counter, "duplicate", null));
                    continue;
                }
                await AuthorizeAsync(actor, mutation, cancellationToken);
                var etag = await ApplyAsync(mutation, last, cancellationToken);
                if (!await ledger.AdvanceAsync(user, clientId, last, mutation.Counter, cancellationToken))
                {
                    throw new ConflictException(
                        "replay-in-progress",
                        "Another replay of this client is running; send the mutations again."
                    );
                }
                last = mutation.Counter;
                outcomes.Add(new MutationOutcome(mutation.Counter, "applied", etag));
            }
            return new ReplayResult(last, outcomes);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<string> ApplyAsync(OfflineMutation mutation, long last, CancellationToken cancellationToken)
    {
        try
        {
            return (await entries.PatchAsync(mutation.Type, mutation.Id, mutation.Patch, mutation.IfMatch, cancellationToken)).ETag;
        }
        catch (PreconditionFailedException)
        {
            var current = await entries.GetAsync(mutation.Type, mutation.Id, cancellationToken);
            if (HoldsEffect(current, mutation.Patch))
            {
                return current.ETag;
            }
            throw new MutationConflictException(mutation.Counter, last, current);
        }
    }

    /// <summary>Whether applying the patch would change nothing but timestamps.</summary>
    private static bool HoldsEffect(StoredDocument current, JsonObject patch)
    {
        var now = JsonNode.Parse(current.Json.Span)!.AsObject();
        var patched = JsonMergePatch.Apply(now.DeepClone(), patch.DeepClone())!.AsObject();
        patched.Remove("updatedAt");
        now.Remove("updatedAt");
        return JsonNode.DeepEquals(now, patched);
    }

    private async Task AuthorizeAsync(Actor actor, OfflineMutation mutation, CancellationToken cancellationToken)
    {
        if (mutation.Type == Profiles.CustomerProfile.TypeKey)
        {
            if (!actor.Can(Permissions.CustomersWrite, mutation.Id))
            {
                throw new ForbiddenException("Changing this customer needs customers:write, or being that customer.");
            }
            return;
        }
        if (!actor.Has(Permissions.ContentWrite))
        {
            throw new ForbiddenException("Changing entries needs content:write.");
        }
        var schema = await registry.GetSchemaAsync(mutation.Type, cancellationToken);
        if (schema.Container == Containers.Customers)
        {
            throw new ForbiddenException($"'{mutation.Type}' holds customer data; it is changed through its own routes.");
        }
    }
}
