using System.Globalization;
using System.IO.Compression;

namespace Cx.Core.Analytics;

/// <summary>
/// The raw-event archive: gzip-compressed NDJSON blobs (one event per line, the stream's wire
/// form), named by partition, UTC receive date and first stream position, so rewriting a range
/// after a crash overwrites the same blob instead of adding a second copy:
/// <c>{partition}/{yyyy}/{MM}/{dd}/{firstPosition:D19}.ndjson.gz</c>.
/// </summary>
public static class EventArchive
{
    public const string ContentType = "application/x-ndjson";

    public static string BlobName(string partition, DateTimeOffset receivedAt, long firstPosition) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{partition}/{receivedAt.UtcDateTime:yyyy}/{receivedAt.UtcDateTime:MM}/{receivedAt.UtcDateTime:dd}/{firstPosition:D19}.ndjson.gz"
        );

    public static byte[] Compress(IEnumerable<ReadOnlyMemory<byte>> ndjsonChunks) =>
        Compress(gzip =>
        {
            foreach (var chunk in ndjsonChunks)
            {
                gzip.Write(chunk.Span);
            }
        });

    /// <summary>Compresses what <paramref name="writeNdjson"/> writes to the stream it is given.</summary>
    public static byte[] Compress(Action<Stream> writeNdjson)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            writeNdjson(gzip);
        }
        return output.ToArray();
    }

    public static byte[] Decompress(byte[] blob)
    {
        using var input = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
