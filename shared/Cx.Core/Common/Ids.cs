using System.Security.Cryptography;

namespace Cx.Core.Common;

/// <summary>
/// Time-ordered, URL-safe identifiers (ULID layout: 48-bit milliseconds + 80 random bits,
/// Crockford base32, 26 characters). Sorting ids sorts by creation time within a millisecond.
/// </summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(TimeProvider time)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }
        NextRandom(bytes[6..]);
        return Encode(bytes);
    }

    private const int RandomBufferSize = 4096;

    [ThreadStatic]
    private static byte[]? _random;

    [ThreadStatic]
    private static int _randomUsed;

    /// <summary>
    /// Cryptographic random bytes, taken from a per-thread buffer the system generator refills
    /// (one call per 409 ids instead of one per id: a batch of 500 events needed 500 calls).
    /// </summary>
    private static void NextRandom(Span<byte> destination)
    {
        if (_random is null || _randomUsed + destination.Length > RandomBufferSize)
        {
            _random ??= new byte[RandomBufferSize];
            RandomNumberGenerator.Fill(_random);
            _randomUsed = 0;
        }
        var source = _random.AsSpan(_randomUsed, destination.Length);
        source.CopyTo(destination);
        source.Clear(); // used bytes are not kept around
        _randomUsed += destination.Length;
    }

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        // 128 bits -> 26 base32 characters; read the value as a big-endian 128-bit integer.
        var value = new UInt128(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..])
        );
        return string.Create(
            26,
            value,
            static (chars, v) =>
            {
                for (var i = 25; i >= 0; i--)
                {
                    chars[i] = Alphabet[(int)(v & 31)];
                    v >>= 5;
                }
            }
        );
    }

    /// <summary>Ids chosen by clients: 1 to 64 of letters, digits, '-' and '_'.</summary>
    public static bool IsValidClientId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return true;
    }
}
