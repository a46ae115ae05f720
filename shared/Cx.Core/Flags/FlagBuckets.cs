using System.Buffers;
using System.Numerics;
using System.Text;

namespace Cx.Core.Flags;

/// <summary>
/// The deterministic bucket of a unit for a flag, reproducible by any SDK (docs/experiments.md):
/// <c>bucket = murmur3_x86_32(utf8(flagKey + ":" + unitId), seed 0) mod 10000</c>, the hash read as an
/// unsigned 32-bit integer. Allocates nothing for ids up to 512 UTF-8 bytes.
/// </summary>
public static class FlagBuckets
{
    /// <summary>The number of buckets (basis points): a bucket is 0.01 % of units.</summary>
    public const int Buckets = 10_000;

    private const int StackLimit = 512;

    /// <summary>The bucket (0-9,999) of <paramref name="unitId"/> for <paramref name="flagKey"/>.</summary>
    public static int Bucket(string flagKey, string unitId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(flagKey.Length + 1 + unitId.Length);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(flagKey, buffer);
            buffer[written++] = (byte)':';
            written += Encoding.UTF8.GetBytes(unitId, buffer[written..]);
            return (int)(Murmur3(buffer[..written], 0) % Buckets);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>MurmurHash3, x86 32-bit variant (Austin Appleby's reference, little-endian blocks).</summary>
    public static uint Murmur3(ReadOnlySpan<byte> data, uint seed)
    {
        const uint c1 = 0xcc9e2d51;
        const uint c2 = 0x1b873593;
        var h = seed;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = (uint)(data[i * 4] | data[i * 4 + 1] << 8 | data[i * 4 + 2] << 16 | data[i * 4 + 3] << 24);
            k *= c1;
            k = BitOperations.RotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = BitOperations.RotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        var tail = data[(blocks * 4)..];
        uint k1 = 0;
        switch (tail.Length)
        {
            case 3:
                k1 ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                k1 ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                k1 ^= tail[0];
                k1 *= c1;
                k1 = BitOperations.RotateLeft(k1, 15);
                k1 *= c2;
                h ^= k1;
                break;
        }
        h ^= (uint)data.Length;
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    /// <summary>
    /// The variation index a bucket falls in, or -1 when the bucket is outside the coverage. The
    /// covered buckets <c>[0, coverage)</c> are cut in the order of the weights: variation i takes
    /// <c>[floor(c * s_i / 10000), floor(c * (s_i + w_i) / 10000))</c>, s_i being the sum of the weights before it.
    /// </summary>
    public static int Pick(int bucket, int coverage, ReadOnlySpan<int> weights)
    {
        if (bucket >= coverage)
        {
            return -1;
        }
        var start = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var end = start + weights[i];
            if (bucket < (int)((long)coverage * end / Buckets))
            {
                return i;
            }
            start = end;
        }
        return -1;
    }
}
