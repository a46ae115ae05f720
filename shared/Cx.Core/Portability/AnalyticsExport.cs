using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Events;

namespace Cx.Core.Portability;

/// <summary>An export of events: those whose time is in [From, To), of one type or all.</summary>
public sealed record EventExportQuery(DateTimeOffset From, DateTimeOffset To, string? EventType);

/// <summary>An export of roll-up counters: one granularity, buckets starting in [From, To), of one type or all.</summary>
public sealed record RollupExportQuery(Granularity Granularity, DateTimeOffset From, DateTimeOffset To, string? EventType);

/// <summary>Where an event export stands: the store's order is (type, time, arrival), so a position is those three.</summary>
public readonly record struct EventPosition(long TypeId, long TimestampMs, long Sequence);

/// <summary>Where a roll-up export stands: the counter key after its granularity, in the store's order.</summary>
public readonly record struct RollupPosition(long TypeId, int Breakdown, string Name, long Bucket, string Value);

/// <summary>One exported event and its position.</summary>
public sealed record ExportedEvent(TrackedEvent Event, EventPosition Position);

/// <summary>One exported roll-up counter and its position.</summary>
public sealed record ExportedRollup(
    string EventType,
    Granularity Granularity,
    RollupBreakdown Breakdown,
    string Name,
    DateTimeOffset BucketStart,
    string Value,
    long Count,
    decimal Sum,
    RollupPosition Position
);

/// <summary>
/// Reads events and roll-up counters for exports, in a stable order, a page at a time after a
/// position. A page shorter than the limit is the last one.
/// </summary>
public interface IAnalyticsExportReader
{
    ValueTask<IReadOnlyList<ExportedEvent>> ReadEventsAsync(
        EventExportQuery query,
        EventPosition? after,
        int limit,
        CancellationToken cancellationToken
    );

    ValueTask<IReadOnlyList<ExportedRollup>> ReadRollupsAsync(
        RollupExportQuery query,
        RollupPosition? after,
        int limit,
        CancellationToken cancellationToken
    );
}

/// <summary>
/// The opaque resume cursors of event and roll-up exports: base64url of a JSON array
/// (<c>["e",type,time,sequence]</c> or <c>["r",type,breakdown,name,bucket,value]</c>). Every row
/// carries the cursor of its position; an export resumes after it with <c>after=</c>.
/// </summary>
public static class ExportCursors
{
    public const int MaxLength = 2048;

    public static string Encode(EventPosition position) =>
        Encode(writer =>
        {
            writer.WriteStringValue("e");
            writer.WriteNumberValue(position.TypeId);
            writer.WriteNumberValue(position.TimestampMs);
            writer.WriteNumberValue(position.Sequence);
        });

    public static string Encode(RollupPosition position) =>
        Encode(writer =>
        {
            writer.WriteStringValue("r");
            writer.WriteNumberValue(position.TypeId);
            writer.WriteNumberValue(position.Breakdown);
            writer.WriteStringValue(position.Name);
            writer.WriteNumberValue(position.Bucket);
            writer.WriteStringValue(position.Value);
        });

    public static bool TryDecode(string cursor, out EventPosition position)
    {
        position = default;
        if (!TryParse(cursor, "e", 4, out var items))
        {
            return false;
        }
        if (items[1].TryGetInt64(out var type) && items[2].TryGetInt64(out var ts) && items[3].TryGetInt64(out var seq))
        {
            position = new EventPosition(type, ts, seq);
            return true;
        }
        return false;
    }

    public static bool TryDecode(string cursor, out RollupPosition position)
    {
        position = default;
        if (!TryParse(cursor, "r", 6, out var items))
        {
            return false;
        }
        if (
            items[1].TryGetInt64(out var type)
            && items[2].TryGetInt32(out var breakdown)
            && items[3].ValueKind == JsonValueKind.String
            && items[4].TryGetInt64(out var bucket)
            && items[5].ValueKind == JsonValueKind.String
        )
        {
            position = new RollupPosition(type, breakdown, items[3].GetString()!, bucket, items[5].GetString()!);
            return true;
        }
        return false;
    }

    private static string Encode(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            write(writer);
            writer.WriteEndArray();
        }
        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    private static bool TryParse(string cursor, string kind, int count, out JsonElement[] items)
    {
        items = [];
        if (cursor.Length is 0 or > MaxLength)
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(cursor));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != count)
            {
                return false;
            }
            items = [.. root.EnumerateArray().Select(e => e.Clone())];
            return items[0].ValueKind == JsonValueKind.String
                && items[0].GetString() == kind
                && items.Skip(1).All(i => i.ValueKind is JsonValueKind.Number or JsonValueKind.String);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }
}
