using System.Buffers;
using System.Text.Json;

namespace Cx.Core.Realtime;

/// <summary>Where a client is in a channel: the channel's epoch and the offset of the last publication it has.</summary>
public sealed record ChannelPosition(string Epoch, long Offset);

/// <summary>A publication to append: <see cref="Key"/> identifies its source (a redelivered change appends nothing new).</summary>
public sealed record ChannelAppend(string Channel, string Key, DateTimeOffset At, ReadOnlyMemory<byte> Body);

/// <summary>
/// A publication of a channel at its position. <see cref="Body"/> is a JSON object (kind, id,
/// type, etag, data); <see cref="ToJson"/> is what clients receive: the body with channel, epoch and offset.
/// </summary>
public sealed record ChannelPublication(string Channel, string Epoch, long Offset, ReadOnlyMemory<byte> Body)
{
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(Body.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("channel", Channel);
            writer.WriteString("epoch", Epoch);
            writer.WriteNumber("offset", Offset);
            using var body = JsonDocument.Parse(Body);
            foreach (var property in body.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>
/// What a resume finds: the channel's head, and either every publication after the client's
/// position (<see cref="Recovered"/>) or none (the position is unknown, from another epoch, or
/// older than the retention window): never a partial gap.
/// </summary>
public sealed record ChannelReplay(ChannelPosition Head, bool Recovered, IReadOnlyList<ChannelPublication> Publications);

/// <summary>
/// The durable log of realtime channels: each channel has an epoch (fixed when the channel starts)
/// and gap-free offsets from 1. Appends are idempotent per (channel, key).
/// </summary>
public interface IChannelLog
{
    /// <summary>Appends in order; returns each item's publication (the existing one for a key seen before).</summary>
    ValueTask<IReadOnlyList<ChannelPublication>> AppendAsync(IReadOnlyList<ChannelAppend> items, CancellationToken cancellationToken);

    /// <summary>
    /// The channel's head and, when <paramref name="since"/> is in the same epoch, no later than the head and
    /// no older than <paramref name="retainedSince"/>, the publications after it (at most <paramref name="max"/>:
    /// a client further behind is not recovered).
    /// </summary>
    ValueTask<ChannelReplay> ReadSinceAsync(
        string channel,
        ChannelPosition? since,
        DateTimeOffset retainedSince,
        int max,
        CancellationToken cancellationToken
    );

    /// <summary>Deletes publications older than <paramref name="before"/>; returns how many.</summary>
    ValueTask<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
