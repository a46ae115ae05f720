using System.Globalization;
using System.Net;
using System.Text.Json;
using Cx.Azure.Cosmos;
using Cx.Core.Realtime;
using Microsoft.Azure.Cosmos;

namespace Cx.Azure.Realtime;

/// <summary>
/// The offline-client ledger on Cosmos DB (ADR 0437): one document per (user, client) in the
/// <see cref="CosmosContainers.Realtime"/> container, in a logical partition of its own
/// (<c>pk = "client:" + length-prefixed user id + ":" + client id</c>). Advancing from 0 creates the
/// document (a second creator gets 409); advancing from a counter replaces it only if its ETag is
/// the one read with that counter (a concurrent advance gets 412), so a counter is applied once.
/// </summary>
public sealed class CosmosMutationLedger(CosmosContainers containers, TimeProvider time) : IMutationLedger
{
    private const string LedgerId = "ledger";

    private Container Container => containers.Internal(CosmosContainers.Realtime);

    /// <summary>Length-prefixed, so ("a:b", "c") and ("a", "b:c") never share a partition.</summary>
    internal static string PartitionOf(string userId, string clientId) =>
        "client:" + userId.Length.ToString(CultureInfo.InvariantCulture) + ":" + userId + ":" + clientId;

    private sealed record Entry(long Last, string? ETag);

    public async ValueTask<long> GetAsync(string userId, string clientId, CancellationToken cancellationToken)
    {
        await containers.InitializeAsync(cancellationToken);
        return (await ReadAsync(userId, clientId, cancellationToken))?.Last ?? 0;
    }

    public async ValueTask<bool> AdvanceAsync(string userId, string clientId, long from, long to, CancellationToken cancellationToken)
    {
        await containers.InitializeAsync(cancellationToken);
        var partition = new PartitionKey(PartitionOf(userId, clientId));
        if (from == 0)
        {
            using var created = await Container.CreateItemStreamAsync(
                Document(userId, clientId, to),
                partition,
                cancellationToken: cancellationToken
            );
            return Succeeded(created, HttpStatusCode.Conflict);
        }
        var entry = await ReadAsync(userId, clientId, cancellationToken);
        if (entry is null || entry.Last != from)
        {
            return false;
        }
        using var replaced = await Container.ReplaceItemStreamAsync(
            Document(userId, clientId, to),
            LedgerId,
            partition,
            new ItemRequestOptions { IfMatchEtag = entry.ETag },
            cancellationToken
        );
        return Succeeded(replaced, HttpStatusCode.PreconditionFailed);
    }

    /// <summary>True on success, false on the status that means another writer won; any other failure throws.</summary>
    private static bool Succeeded(ResponseMessage response, HttpStatusCode lost)
    {
        if (response.StatusCode == lost)
        {
            return false;
        }
        response.EnsureSuccessStatusCode();
        return true;
    }

    private async Task<Entry?> ReadAsync(string userId, string clientId, CancellationToken cancellationToken)
    {
        using var response = await Container.ReadItemStreamAsync(
            LedgerId,
            new PartitionKey(PartitionOf(userId, clientId)),
            cancellationToken: cancellationToken
        );
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return new Entry(document.RootElement.GetProperty("last").GetInt64(), response.Headers.ETag);
    }

    private MemoryStream Document(string userId, string clientId, long last) =>
        CosmosChannelLog.Json(writer =>
        {
            writer.WriteString("id", LedgerId);
            writer.WriteString("pk", PartitionOf(userId, clientId));
            writer.WriteString("type", "client");
            writer.WriteString("userId", userId);
            writer.WriteString("clientId", clientId);
            writer.WriteNumber("last", last);
            writer.WriteNumber("updatedAt", time.GetUtcNow().ToUnixTimeMilliseconds());
        });
}
