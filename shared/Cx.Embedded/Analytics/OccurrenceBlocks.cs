using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Cx.Core.Analytics;

namespace Cx.Embedded.Analytics;

/// <summary>
/// The packed form of a funnel block (<c>blocks.data</c>): little-endian pairs of int32, subject id
/// and milliseconds since the start of the block's UTC hour.
/// </summary>
internal static class OccurrenceBlocks
{
    public static byte[] Pack(List<SubjectOccurrence> occurrences)
    {
        var data = new byte[occurrences.Count * 8];
        var ints = MemoryMarshal.Cast<byte, int>(data.AsSpan());
        for (var i = 0; i < occurrences.Count; i++)
        {
            ints[2 * i] = occurrences[i].SubjectId;
            ints[(2 * i) + 1] = (int)occurrences[i].TimestampMs;
        }
        return data;
    }

    public static IEnumerable<SubjectOccurrence> Unpack(byte[] data)
    {
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            yield return new SubjectOccurrence(
                BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(i)),
                BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(i + 4))
            );
        }
    }

    /// <summary>
    /// Adds the occurrences of a packed block that fall in [<paramref name="fromMs"/>, <paramref name="toMs"/>)
    /// to <paramref name="into"/>, reading the stored bytes in place.
    /// </summary>
    public static void AddInRange(long hour, ReadOnlySpan<byte> data, long fromMs, long toMs, List<SubjectOccurrence> into)
    {
        var packed = MemoryMarshal.Cast<byte, int>(data);
        for (var i = 0; i + 1 < packed.Length; i += 2)
        {
            var ts = hour + packed[i + 1];
            if (ts >= fromMs && ts < toMs)
            {
                into.Add(new SubjectOccurrence(packed[i], ts));
            }
        }
    }
}
