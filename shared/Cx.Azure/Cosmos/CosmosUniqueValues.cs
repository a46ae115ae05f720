using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Core.Documents;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Azure.Cosmos;

/// <summary>
/// Unique values across a whole container, as reservation documents in the <c>uniques</c>
/// container (Cosmos unique keys hold only within a partition). Claims, releases, orphans and the
/// grace period: ADR 0018.
/// </summary>
internal sealed partial class CosmosUniqueValues(
    CosmosContainers containers,
    TimeProvider time,
    IOptions<CosmosOptions> options,
    ILogger<CosmosUniqueValues> logger
)
{
    private const int MaxAttempts = 5;
    private static readonly ItemRequestOptions NoContent = new() { EnableContentResponseOnWrite = false };

    private Container Reservations => containers.Internal(CosmosContainers.Uniques);

    /// <summary>The reservation id of a value: a hash of scope and value (no personal data in ids or logs).</summary>
    public static string ReservationId(UniqueValue value) =>
        "u" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value.Scope + "\0" + value.Value)));

    /// <summary>
    /// Claims <paramref name="values"/> for <paramref name="owner"/>, skipping those it already
    /// holds (<paramref name="held"/>). Returns the reservations it newly acquired (to release if
    /// the document write then fails). Throws <see cref="UniqueValueTakenException"/> when
    /// another document holds one; nothing stays claimed then.
    /// </summary>
    public async Task<IReadOnlyList<string>> ClaimAsync(
        string container,
        DocumentKey owner,
        IReadOnlyList<UniqueValue> values,
        IReadOnlyCollection<string> held,
        CancellationToken cancellationToken
    )
    {
        var acquired = new List<string>();
        try
        {
            foreach (var value in values.Distinct())
            {
                var id = ReservationId(value);
                if (
                    !held.Contains(id)
                    && await ClaimOneAsync(new UniqueOwner(container, owner.PartitionKey, owner.Id), value, id, cancellationToken)
                )
                {
                    acquired.Add(id);
                }
            }
        }
        catch
        {
            await ReleaseAsync(container, owner, acquired, CancellationToken.None);
            throw;
        }
        return acquired;
    }

    /// <summary>
    /// Deletes the reservations that <paramref name="owner"/> still owns. Best effort: the
    /// document write has already happened, and a reservation left behind is an orphan that a
    /// later claimer takes over.
    /// </summary>
    public async Task ReleaseAsync(string container, DocumentKey owner, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var me = new UniqueOwner(container, owner.PartitionKey, owner.Id);
        foreach (var id in ids)
        {
            try
            {
                var reservation = await ReadAsync(id, cancellationToken);
                if (reservation is null || reservation.Owner != me)
                {
                    continue;
                }
                using var deleted = await Reservations.DeleteItemStreamAsync(
                    id,
                    new PartitionKey(id),
                    new ItemRequestOptions { IfMatchEtag = reservation.ETag },
                    cancellationToken
                );
                if (
                    !deleted.IsSuccessStatusCode && deleted.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed)
                )
                {
                    LogReleaseFailed(logger, id, (int)deleted.StatusCode, null);
                }
            }
            catch (Exception e) when (e is CosmosException or OperationCanceledException or HttpRequestException)
            {
                LogReleaseFailed(logger, id, 0, e);
            }
        }
    }

    /// <summary>
    /// After a write that took longer than half the grace period since its claim started: the
    /// first reservation <paramref name="owner"/> acquired but no longer owns (taken over as an
    /// orphan while the write stalled), or null when it still owns them all.
    /// </summary>
    public async Task<UniqueReservation?> LostReservationAsync(
        string container,
        DocumentKey owner,
        IReadOnlyList<string> acquired,
        long claimStarted,
        CancellationToken cancellationToken
    )
    {
        if (acquired.Count == 0 || time.GetElapsedTime(claimStarted) < TimeSpan.FromSeconds(options.Value.UniqueClaimGraceSeconds / 2.0))
        {
            return null;
        }
        var me = new UniqueOwner(container, owner.PartitionKey, owner.Id);
        foreach (var id in acquired)
        {
            var reservation = await ReadAsync(id, cancellationToken);
            if (reservation?.Owner != me)
            {
                LogClaimLost(logger, container, owner.Id, id);
                return reservation ?? new UniqueReservation(id, id, "", new UniqueOwner("", "", ""), 0);
            }
        }
        return null;
    }

    /// <summary>True when newly acquired, false when <paramref name="me"/> already owned it.</summary>
    private async Task<bool> ClaimOneAsync(UniqueOwner me, UniqueValue value, string id, CancellationToken cancellationToken)
    {
        var lastOwner = "";
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var claim = Serialize(new UniqueReservation(id, id, value.Scope, me, time.GetUtcNow().ToUnixTimeMilliseconds()));
            using (
                var created = await Reservations.CreateItemStreamAsync(
                    new MemoryStream(claim),
                    new PartitionKey(id),
                    NoContent,
                    cancellationToken
                )
            )
            {
                if (created.StatusCode == HttpStatusCode.Created)
                {
                    return true;
                }
                if (created.StatusCode != HttpStatusCode.Conflict)
                {
                    created.EnsureSuccessStatusCode();
                }
            }
            var existing = await ReadAsync(id, cancellationToken);
            if (existing is null)
            {
                continue; // released in between: try to create it again
            }
            if (existing.Owner == me)
            {
                return false;
            }
            lastOwner = existing.Owner.Id;
            if (await OwnerHoldsAsync(existing.Owner, id, cancellationToken))
            {
                throw new UniqueValueTakenException(value, existing.Owner.Id);
            }
            var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(existing.ClaimedAt);
            if (age < TimeSpan.FromSeconds(options.Value.UniqueClaimGraceSeconds))
            {
                // Possibly a write still in flight between its claim and its document write.
                LogClaimInFlight(logger, value.Scope, existing.Owner.Container, existing.Owner.Id);
                throw new UniqueValueTakenException(value, existing.Owner.Id);
            }
            using var replaced = await Reservations.ReplaceItemStreamAsync(
                new MemoryStream(claim),
                id,
                new PartitionKey(id),
                new ItemRequestOptions { IfMatchEtag = existing.ETag, EnableContentResponseOnWrite = false },
                cancellationToken
            );
            if (replaced.IsSuccessStatusCode)
            {
                LogOrphanTakenOver(logger, value.Scope, existing.Owner.Container, existing.Owner.Id, me.Id);
                return true;
            }
            if (replaced.StatusCode is not (HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound))
            {
                replaced.EnsureSuccessStatusCode();
            }
            LogClaimRaced(logger, value.Scope, attempt);
        }
        throw new UniqueValueTakenException(value, lastOwner);
    }

    private async Task<bool> OwnerHoldsAsync(UniqueOwner owner, string id, CancellationToken cancellationToken)
    {
        if (!Containers.IsKnown(owner.Container))
        {
            return false;
        }
        using var response = await containers
            .Product(owner.Container)
            .ReadItemStreamAsync(owner.Id, new PartitionKey(owner.Pk), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        var item = CosmosItems.Read(document.RootElement);
        return !item.Deleted && item.UniqueIds.Contains(id, StringComparer.Ordinal);
    }

    private async Task<UniqueReservation?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await Reservations.ReadItemStreamAsync(id, new PartitionKey(id), cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await JsonSerializer.DeserializeAsync(response.Content, CosmosJsonContext.Default.UniqueReservation, cancellationToken);
    }

    private static byte[] Serialize(UniqueReservation reservation) =>
        JsonSerializer.SerializeToUtf8Bytes(reservation, CosmosJsonContext.Default.UniqueReservation);

    [LoggerMessage(
        EventId = 3020,
        Level = LogLevel.Warning,
        Message = "Took over an orphaned reservation of {Scope} from {OwnerContainer}/{OwnerId} (which does not hold it) for {NewOwnerId}"
    )]
    private static partial void LogOrphanTakenOver(ILogger logger, string scope, string ownerContainer, string ownerId, string newOwnerId);

    [LoggerMessage(
        EventId = 3021,
        Level = LogLevel.Information,
        Message = "A value of {Scope} is reserved by {OwnerContainer}/{OwnerId}, which does not hold it yet; treating it as taken within the grace period"
    )]
    private static partial void LogClaimInFlight(ILogger logger, string scope, string ownerContainer, string ownerId);

    [LoggerMessage(
        EventId = 3022,
        Level = LogLevel.Debug,
        Message = "Reservation of {Scope} changed while claiming it; retrying (attempt {Attempt})"
    )]
    private static partial void LogClaimRaced(ILogger logger, string scope, int attempt);

    [LoggerMessage(
        EventId = 3023,
        Level = LogLevel.Warning,
        Message = "Could not release unique reservation {ReservationId} (status {Status}); it stays as an orphan"
    )]
    private static partial void LogReleaseFailed(ILogger logger, string reservationId, int status, Exception? exception);

    [LoggerMessage(
        EventId = 3024,
        Level = LogLevel.Error,
        Message = "Document {Container}/{Id} lost unique reservation {ReservationId} during a stalled write; undoing the write"
    )]
    private static partial void LogClaimLost(ILogger logger, string container, string id, string reservationId);
}
