using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using Cx.Core.Blobs;
using Microsoft.Extensions.Options;

namespace Cx.Embedded.Blobs;

/// <summary>Settings of the local blob folder, bound from <c>Cx:Blob:Local</c>.</summary>
public sealed class LocalBlobOptions
{
    public const string Section = "Cx:Blob:Local";

    /// <summary>The root folder; empty means <c>blobs/</c> beside the document store's file.</summary>
    public string? Path { get; set; }
}

/// <summary>
/// Blobs as files: <c>{root}/{container}/{name}</c>. A put writes a temporary file and renames
/// it over the target, so a reader (or a crash) never sees half a blob.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private readonly string _root;

    public LocalBlobStore(IOptions<LocalBlobOptions> options, IOptions<Sqlite.SqliteOptions> sqlite)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(sqlite.Value.Path)) ?? ".";
        _root = System.IO.Path.GetFullPath(
            string.IsNullOrWhiteSpace(options.Value.Path) ? System.IO.Path.Combine(folder, "blobs") : options.Value.Path
        );
    }

    public string Root => _root;

    public async ValueTask PutAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        CancellationToken cancellationToken
    )
    {
        var path = PathOf(container, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("n") + ".tmp";
        await using (
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous)
        )
        {
            await file.WriteAsync(content, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public async ValueTask<byte[]?> GetAsync(string container, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(container, name);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken) : null;
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync(
        string container,
        string prefix,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var root = PathOf(container, "");
        if (!Directory.Exists(root))
        {
            yield break;
        }
        var items = Directory
            .EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => (Name: System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'), File: new FileInfo(f)))
            .Where(x => x.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(x => x.Name, StringComparer.Ordinal);
        foreach (var (name, file) in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StoredBlob(name, file.Length, file.LastWriteTimeUtc);
            await Task.CompletedTask;
        }
    }

    public ValueTask DeleteAsync(string container, string name, CancellationToken cancellationToken)
    {
        var path = PathOf(container, name);
        File.Delete(path);
        // Empty folders left behind go too, up to the container's.
        var root = PathOf(container, "").TrimEnd(System.IO.Path.DirectorySeparatorChar);
        for (
            var folder = System.IO.Path.GetDirectoryName(path);
            folder is not null && folder.Length > root.Length;
            folder = System.IO.Path.GetDirectoryName(folder)
        )
        {
            if (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any())
            {
                break;
            }
            Directory.Delete(folder);
        }
        return ValueTask.CompletedTask;
    }

    private string PathOf(string container, string name)
    {
        if (!IsSafe(container) || name.Split('/').Any(s => s is "." or ".." || s.Contains('\\')) || name.StartsWith('/'))
        {
            throw new ArgumentException($"'{container}/{name}' is not a valid blob name.");
        }
        return System.IO.Path.Combine(_root, container, name.Replace('/', System.IO.Path.DirectorySeparatorChar));
    }

    private static bool IsSafe(string container) =>
        container.Length is > 2 and <= 63 && container.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
