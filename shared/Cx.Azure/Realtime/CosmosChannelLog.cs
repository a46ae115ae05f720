using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Azure.Cosmos;
using Cx.Core.Realtime;
using Microsoft.Azure.Cosmos;

namespace Cx.Azure.Realtime;

/// <summary>
/// The channel log on Cosmos DB (ADR 0437), in the <see cref="CosmosContainers.Realtime"/>
/// container with one logical partition per channel (<c>pk = "channel:" + name</c>). The
/// partition holds a head document (<c>id = "head"</c>: the epoch, the last offset and that
/// offset's publication as <c>pending</c>) and one document per publication whose id is derived
/// from its key, so a key is never stored twice. An append claims the next offset by replacing the
/// head only if its ETag is unchanged, then writes the publication document. A writer that loses
/// the race (412) reads again and takes the next offset; a writer that stops between the two
/// writes leaves the publication in the head, and the next append or read writes it. Offsets stay
/// gap-free without a transactional batch.
/// </summary>
public sealed class CosmosChannelLog(CosmosContainers containers) : IChannelLog
{
    private const string HeadId = "head";
    private const int MaxAttempts = 64;

    private Container Container => containers.Internal(CosmosContainers.Realtime);

    internal static string PartitionOf(string channel) => "channel:" + channel;

    internal static string PublicationId(string key) => "k:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private sealed record Head(string Epoch, long Offset, Publication? Pending, string? ETag);

    private sealed record Publication(string Key, long Offset, long At, byte[] Body);

    public async ValueTask<IReadOnlyList<ChannelPublication>> AppendAsync(
        IReadOnlyList<ChannelAppend> items,
        CancellationToken cancellationToken
    )
    {
        if (items.Count == 0)
        {
            return [];
        }
        await containers.InitializeAsync(cancellationToken);
        var published = new List<ChannelPublication>(items.Count);
        foreach (var item in items)
        {
            published.Add(await AppendOneAsync(item, cancellationToken));
        }
        return published;
    }

    private async Task<ChannelPublication> AppendOneAsync(ChannelAppend item, CancellationToken cancellationToken)
    {
        var partition = new PartitionKey(PartitionOf(item.Channel));
        var id = PublicationId(item.Key);
        for (var attempt = 1; ; attempt++)
        {
            var head = await ReadHeadAsync(item.Channel, cancellationToken);
            if (head?.Pending is { } pending)
            {
                // The last claimed offset may not have its document yet (its writer stopped between the two writes).
                await CompleteAsync(item.Channel, pending, cancellationToken);
                if (pending.Key == item.Key)
                {
                    return new ChannelPublication(item.Channel, head.Epoch, pending.Offset, pending.Body);
                }
            }
            if (head is not null && await ReadPublicationAsync(item.Channel, id, cancellationToken) is { } known)
            {
                return new ChannelPublication(item.Channel, head.Epoch, known.Offset, known.Body);
            }
            var epoch = head?.Epoch ?? NewEpoch();
            var claimed = new Publication(item.Key, (head?.Offset ?? 0) + 1, item.At.ToUnixTimeMilliseconds(), item.Body.ToArray());
            // Claim the offset: the head moves only if no other writer moved it since it was read.
            using var response = head is null
                ? await Container.CreateItemStreamAsync(
                    HeadDocument(item.Channel, epoch, claimed.Offset, claimed),
                    partition,
                    cancellationToken: cancellationToken
                )
                : await Container.ReplaceItemStreamAsync(
                    HeadDocument(item.Channel, epoch, claimed.Offset, claimed),
                    HeadId,
                    partition,
                    new ItemRequestOptions { IfMatchEtag = head.ETag },
                    cancellationToken
                );
            if (response.IsSuccessStatusCode)
            {
                await CompleteAsync(item.Channel, claimed, cancellationToken);
                return new ChannelPublication(item.Channel, epoch, claimed.Offset, item.Body);
            }
            // 412: another writer moved the head; 409: another writer created it. Read again.
            if (response.StatusCode is not (HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict) || attempt >= MaxAttempts)
            {
                throw new InvalidOperationException(
                    $"Appending to realtime channel '{item.Channel}' failed: {(int)response.StatusCode} {response.ErrorMessage}"
                );
            }
        }
    }

    /// <summary>Writes the publication document of a claimed offset; one that exists already (409) is the same publication.</summary>
    private async Task CompleteAsync(string channel, Publication publication, CancellationToken cancellationToken)
    {
        using var response = await Container.CreateItemStreamAsync(
            PublicationDocument(channel, publication),
            new PartitionKey(PartitionOf(channel)),
            cancellationToken: cancellationToken
        );
        if (response.StatusCode != HttpStatusCode.Conflict)
        {
            response.EnsureSuccessStatusCode();
        }
    }

    public async ValueTask<ChannelReplay> ReadSinceAsync(
        string channel,
        ChannelPosition? since,
        DateTimeOffset retainedSince,
        int max,
        CancellationToken cancellationToken
    )
    {
        await containers.InitializeAsync(cancellationToken);
        var head = await ReadHeadAsync(channel, cancellationToken) ?? await CreateEmptyHeadAsync(channel, cancellationToken);
        if (head.Pending is { } pending && since is not null && pending.Offset > since.Offset)
        {
            await CompleteAsync(channel, pending, cancellationToken);
        }
        var position = new ChannelPosition(head.Epoch, head.Offset);
        if (
            since is null
            || since.Epoch != head.Epoch
            || since.Offset < 0
            || since.Offset > head.Offset
            || head.Offset - since.Offset > max
        )
        {
            return new ChannelReplay(position, false, []);
        }
        if (since.Offset == head.Offset)
        {
            return new ChannelReplay(position, true, []);
        }
        var rows = await QueryAsync(
            new QueryDefinition("SELECT * FROM c WHERE c.pk = @pk AND c.type = 'publication' AND c.seq > @since AND c.seq <= @head")
                .WithParameter("@pk", PartitionOf(channel))
                .WithParameter("@since", since.Offset)
                .WithParameter("@head", head.Offset),
            PartitionOf(channel),
            cancellationToken
        );
        var publications = rows.Select(ParsePublication).OrderBy(p => p.Offset).ToList();
        // Everything after the position must still be there (no gap from a prune) and inside the retention window.
        var cut = retainedSince.ToUnixTimeMilliseconds();
        if (publications.Count != head.Offset - since.Offset || publications[0].At < cut)
        {
            return new ChannelReplay(position, false, []);
        }
        return new ChannelReplay(
            position,
            true,
            [.. publications.Select(p => new ChannelPublication(channel, head.Epoch, p.Offset, p.Body))]
        );
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await containers.InitializeAsync(cancellationToken);
        var rows = await QueryAsync(
            new QueryDefinition("SELECT c.id, c.pk FROM c WHERE c.type = 'publication' AND c.at < @cut").WithParameter(
                "@cut",
                before.ToUnixTimeMilliseconds()
            ),
            partitionKey: null,
            cancellationToken
        );
        var deleted = 0;
        foreach (var row in rows)
        {
            using var response = await Container.DeleteItemStreamAsync(
                row.GetProperty("id").GetString()!,
                new PartitionKey(row.GetProperty("pk").GetString()),
                cancellationToken: cancellationToken
            );
            if (response.IsSuccessStatusCode)
            {
                deleted++;
            }
            else if (response.StatusCode != HttpStatusCode.NotFound)
            {
                response.EnsureSuccessStatusCode();
            }
        }
        return deleted;
    }

    private async Task<Head?> ReadHeadAsync(string channel, CancellationToken cancellationToken)
    {
        using var response = await Container.ReadItemStreamAsync(
            HeadId,
            new PartitionKey(PartitionOf(channel)),
            cancellationToken: cancellationToken
        );
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        var root = document.RootElement;
        var pending = root.TryGetProperty("pending", out var p) && p.ValueKind == JsonValueKind.Object ? ParsePublication(p) : null;
        return new Head(root.GetProperty("epoch").GetString()!, root.GetProperty("offset").GetInt64(), pending, response.Headers.ETag);
    }

    /// <summary>A channel without publications gets its epoch at its first read, so a position taken from that answer stays valid.</summary>
    private async Task<Head> CreateEmptyHeadAsync(string channel, CancellationToken cancellationToken)
    {
        using (
            var response = await Container.CreateItemStreamAsync(
                HeadDocument(channel, NewEpoch(), 0, null),
                new PartitionKey(PartitionOf(channel)),
                cancellationToken: cancellationToken
            )
        )
        {
            if (response.StatusCode != HttpStatusCode.Conflict)
            {
                response.EnsureSuccessStatusCode();
            }
        }
        return await ReadHeadAsync(channel, cancellationToken)
            ?? throw new InvalidOperationException($"The head of realtime channel '{channel}' vanished.");
    }

    private async Task<Publication?> ReadPublicationAsync(string channel, string id, CancellationToken cancellationToken)
    {
        using var response = await Container.ReadItemStreamAsync(
            id,
            new PartitionKey(PartitionOf(channel)),
            cancellationToken: cancellationToken
        );
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
        return ParsePublication(document.RootElement);
    }

    private static Publication ParsePublication(JsonElement row) =>
        new(
            row.GetProperty("key").GetString()!,
            row.GetProperty("seq").GetInt64(),
            row.GetProperty("at").GetInt64(),
            row.GetProperty("body").GetBytesFromBase64()
        );

    private async Task<List<JsonElement>> QueryAsync(QueryDefinition query, string? partitionKey, CancellationToken cancellationToken)
    {
        var options = new QueryRequestOptions { MaxItemCount = 1000 };
        if (partitionKey is not null)
        {
            options.PartitionKey = new PartitionKey(partitionKey);
        }
        var rows = new List<JsonElement>();
        using var iterator = Container.GetItemQueryStreamIterator(query, continuationToken: null, options);
        while (iterator.HasMoreResults)
        {
            using var response = await iterator.ReadNextAsync(cancellationToken);
            response.EnsureSuccessStatusCode();
            using var page = await JsonDocument.ParseAsync(response.Content, cancellationToken: cancellationToken);
            foreach (var row in page.RootElement.GetProperty("Documents").EnumerateArray())
            {
                rows.Add(row.Clone());
            }
        }
        return rows;
    }

    private static MemoryStream HeadDocument(string channel, string epoch, long offset, Publication? pending) =>
        Json(writer =>
        {
            writer.WriteString("id", HeadId);
            writer.WriteString("pk", PartitionOf(channel));
            writer.WriteString("type", "head");
            writer.WriteString("epoch", epoch);
            writer.WriteNumber("offset", offset);
            if (pending is not null)
            {
                // The publication of the claimed offset travels with the claim, so any instance can complete it.
                writer.WriteStartObject("pending");
                WritePublication(writer, pending);
                writer.WriteEndObject();
            }
        });

    private static MemoryStream PublicationDocument(string channel, Publication publication) =>
        Json(writer =>
        {
            writer.WriteString("id", PublicationId(publication.Key));
            writer.WriteString("pk", PartitionOf(channel));
            writer.WriteString("type", "publication");
            WritePublication(writer, publication);
        });

    private static void WritePublication(Utf8JsonWriter writer, Publication publication)
    {
        writer.WriteString("key", publication.Key);
        writer.WriteNumber("seq", publication.Offset);
        writer.WriteNumber("at", publication.At);
        // The body's exact bytes, as base64: what clients receive must not depend on how the store re-serializes JSON.
        writer.WriteBase64String("body", publication.Body);
    }

    internal static MemoryStream Json(Action<Utf8JsonWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        stream.Position = 0;
        return stream;
    }
}
