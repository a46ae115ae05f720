namespace Cx.Core.Blobs;

/// <summary>A blob: name and content.</summary>
public sealed record StoredBlob(string Name, long Size, DateTimeOffset LastModified);

/// <summary>The blob store port (Azure Blob Storage; a folder under .data/ embedded). Archives and exports use it.</summary>
public interface IBlobStore
{
    /// <summary>Writes (or overwrites) a blob atomically: readers see the old or the new content, never a part.</summary>
    ValueTask PutAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        CancellationToken cancellationToken
    );

    /// <summary>The content, or null when the blob does not exist.</summary>
    ValueTask<byte[]?> GetAsync(string container, string name, CancellationToken cancellationToken);

    /// <summary>Blobs whose names start with <paramref name="prefix"/>, in name order.</summary>
    IAsyncEnumerable<StoredBlob> ListAsync(string container, string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes a blob; nothing happens when it does not exist (snapshot retention uses it).</summary>
    ValueTask DeleteAsync(string container, string name, CancellationToken cancellationToken);
}
