using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Core.Flags;

namespace Cx.Http.Flags;

/// <summary>
/// Writes the OFREP bulk answer from pieces serialized once per compiled flag set: each flag's object
/// for a (variation, reason) or an error is serialized the first time it is served and kept with the
/// set (a publish or a schema change compiles a new set, so nothing stale is served). A request then
/// copies the pieces of its results, and its ETag hashes the set's fingerprint and the results (the
/// body is a function of both), not the 10 KB body. The bytes equal those of serializing
/// <see cref="OfrepBulkView"/> (tests/Cx.Http.Tests/Flags/OfrepBulkWriterTests.cs).
/// </summary>
public static class OfrepBulkWriter
{
    private static readonly ConditionalWeakTable<FlagSet, Pieces> Cache = [];

    private static readonly byte[] Head = "{\"flags\":["u8.ToArray();
    private static readonly byte[] Tail = "]}"u8.ToArray();

    /// <summary>The body and ETag of the evaluations of <paramref name="set"/> (in its flag order).</summary>
    public static (byte[] Body, string ETag) Write(
        FlagSet set,
        IReadOnlyList<FlagEvaluation> evaluations,
        Func<FlagEvaluation, OfrepFlagView> view
    )
    {
        var pieces = Cache.GetValue(set, static s => new Pieces(s));
        var parts = new byte[evaluations.Count][];
        var length = Head.Length + Tail.Length + Math.Max(0, evaluations.Count - 1);
        // The results as the ETag input: the set's fingerprint hash, then per flag its index and piece.
        Span<byte> digestInput =
            evaluations.Count <= 256 ? stackalloc byte[32 + evaluations.Count * 8] : new byte[32 + evaluations.Count * 8];
        pieces.FingerprintHash.CopyTo(digestInput);
        for (var i = 0; i < evaluations.Count; i++)
        {
            var evaluation = evaluations[i];
            var flag = set.IndexOf(evaluation.Key);
            var slot = pieces.Slot(flag, evaluation.Result);
            var part =
                pieces.Get(flag, slot)
                ?? pieces.Set(flag, slot, JsonSerializer.SerializeToUtf8Bytes(view(evaluation), FlagJsonContext.Relaxed.OfrepFlagView));
            parts[i] = part;
            length += part.Length;
            BitConverter.TryWriteBytes(digestInput[(32 + i * 8)..], flag);
            BitConverter.TryWriteBytes(digestInput[(36 + i * 8)..], slot);
        }
        var body = new byte[length];
        var at = 0;
        Head.CopyTo(body, at);
        at += Head.Length;
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }
            parts[i].CopyTo(body, at);
            at += parts[i].Length;
        }
        Tail.CopyTo(body, at);
        // A validator, not a secret: the 128-bit XxHash3 of the results (ADR 0479) instead of SHA-256.
        Span<byte> digest = stackalloc byte[16];
        XxHash128.Hash(digestInput, digest);
        var etag = Convert.ToBase64String(digest).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (body, etag);
    }

    /// <summary>One set's serialized pieces: per flag, a slot per (variation, reason) and two error slots.</summary>
    private sealed class Pieces
    {
        private const int Reasons = 8;
        private readonly byte[]?[][] _parts;

        public Pieces(FlagSet set)
        {
            FingerprintHash = SHA256.HashData(Encoding.UTF8.GetBytes(set.Fingerprint));
            _parts = new byte[]?[set.Flags.Length][];
            for (var i = 0; i < _parts.Length; i++)
            {
                _parts[i] = new byte[]?[set.Flags[i].Definition.Variations.Count * Reasons + 2];
            }
        }

        public byte[] FingerprintHash { get; }

        /// <summary>The slot of a result: variation × reason, or one of the two error slots at the end.</summary>
        public int Slot(int flag, FlagResult result) =>
            result.Variation >= 0 ? result.Variation * Reasons + Math.Clamp((int)result.Reason, 0, Reasons - 1)
            : result.Error == FlagErrorCode.TargetingKeyMissing ? _parts[flag].Length - 2
            : _parts[flag].Length - 1;

        public byte[]? Get(int flag, int slot) => Volatile.Read(ref _parts[flag][slot]);

        // Two requests may serialize the same piece at once: equal bytes, either one is kept.
        public byte[] Set(int flag, int slot, byte[] part)
        {
            Volatile.Write(ref _parts[flag][slot], part);
            return part;
        }
    }
}
