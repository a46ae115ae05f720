using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;

namespace Cx.Core.Realtime;

/// <summary>What an offline mutation does to its entry.</summary>
public enum MutationOp
{
    /// <summary>A JSON merge patch of an existing entry (the default).</summary>
    Patch,

    /// <summary>Creates the entry with the client-chosen id; <see cref="OfflineMutation.Patch"/> is its body.</summary>
    Create,

    /// <summary>Deletes the entry (with If-Match when the client had an ETag).</summary>
    Delete,
}

/// <summary>
/// One offline mutation, numbered by the client: a JSON merge patch of an entry (or of a customer
/// profile), a create with a client-chosen id (<see cref="Patch"/> is then the body), or a delete.
/// </summary>
public sealed record OfflineMutation(long Counter, string Type, string Id, JsonObject Patch, string? IfMatch)
{
    public MutationOp Op { get; init; } = MutationOp.Patch;
}

/// <summary>What became of one mutation: <c>applied</c> (with the entry's new ETag; null after a delete) or <c>duplicate</c> (applied before).</summary>
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
/// then it counts as applied. Creates carry a client-chosen id, so a create replayed after a crash
/// finds its entry: when the entry holds the create's fields it counts as applied, otherwise (an
/// entry someone else created with that id) it is the same 409 with the current entry. A delete
/// whose entry is already gone counts as applied (the effect holds); one with a stale If-Match is
/// 409 with the current entry. Authorised like the REST writes of the same entries.
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

    private Task<string?> ApplyAsync(OfflineMutation mutation, long last, CancellationToken cancellationToken) =>
        mutation.Op switch
        {
            MutationOp.Create => CreateAsync(mutation, last, cancellationToken),
            MutationOp.Delete => DeleteAsync(mutation, last, cancellationToken),
            _ => PatchAsync(mutation, last, cancellationToken),
        };

    private async Task<string?> CreateAsync(OfflineMutation mutation, long last, CancellationToken cancellationToken)
    {
        var body = (JsonObject)mutation.Patch.DeepClone();
        body["id"] = mutation.Id;
        try
        {
            return (await entries.CreateAsync(mutation.Type, body, cancellationToken)).ETag;
        }
        catch (DocumentExistsException)
        {
            var current = await entries.GetAsync(mutation.Type, mutation.Id, cancellationToken);
            if (HoldsEffect(current, mutation.Patch))
            {
                return current.ETag;
            }
            throw new MutationConflictException(mutation.Counter, last, current);
        }
    }

    private async Task<string?> DeleteAsync(OfflineMutation mutation, long last, CancellationToken cancellationToken)
    {
        try
        {
            await entries.DeleteAsync(mutation.Type, mutation.Id, mutation.IfMatch, cancellationToken);
        }
        catch (NotFoundException)
        {
            // Already gone (deleted before a crash that came between the delete and the counter, or by
            // someone else): the effect holds. An unknown type was refused by AuthorizeAsync already.
        }
        catch (PreconditionFailedException)
        {
            throw new MutationConflictException(
                mutation.Counter,
                last,
                await entries.GetAsync(mutation.Type, mutation.Id, cancellationToken)
            );
        }
        return null;
    }

    private async Task<string?> PatchAsync(OfflineMutation mutation, long last, CancellationToken cancellationToken)
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
            if (mutation.Op == MutationOp.Create && !actor.Has(Permissions.CustomersWrite))
            {
                throw new ForbiddenException("Creating customers needs customers:write.");
            }
            if (mutation.Op == MutationOp.Delete && !actor.Has(Permissions.CustomersDelete))
            {
                throw new ForbiddenException("Deleting customers needs customers:delete.");
            }
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
