using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Cx.Http.Web;

/// <summary>One built file of the front end: its bytes, media type and strong ETag.</summary>
public sealed record WebFile(string Name, ReadOnlyMemory<byte> Content, string ContentType, string ETag);

/// <summary>
/// The front end built by <c>shared/Cx.Web/build.mjs</c> and embedded into this assembly
/// (<c>Cx.Http.csproj</c>): pages (<c>pages/NAME.html</c>, served no-cache) and content-hashed
/// assets (<c>assets/NAME-HASH.EXT</c>, served immutable). Read once, kept in memory.
/// </summary>
public sealed class WebAssets
{
    /// <summary>The prefix of the embedded resources' logical names.</summary>
    public const string ResourcePrefix = "cx-web/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".txt"] = "text/plain; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".ttf"] = "font/ttf",
        [".woff"] = "font/woff",
        [".woff2"] = "font/woff2",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, WebFile> _pages;
    private readonly FrozenDictionary<string, WebFile> _assets;

    public WebAssets()
        : this(typeof(WebAssets).Assembly) { }

    internal WebAssets(System.Reflection.Assembly assembly)
    {
        var pages = new Dictionary<string, WebFile>(StringComparer.Ordinal);
        var assets = new Dictionary<string, WebFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var name = resource.Replace('\\', '/');
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            var path = name[ResourcePrefix.Length..];
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }
            var folder = path[..slash];
            var file = path[(slash + 1)..];
            if (file.Contains('/', StringComparison.Ordinal) || !ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType))
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var etag = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16));
            var entry = new WebFile(file, bytes, contentType, etag);
            if (folder == "pages")
            {
                pages[Path.GetFileNameWithoutExtension(file)] = entry;
            }
            else if (folder == "assets")
            {
                assets[file] = entry;
            }
        }
        _pages = pages.ToFrozenDictionary(StringComparer.Ordinal);
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The page of that name (<c>reference</c>, <c>explorer</c>), or null when the build holds none.</summary>
    public WebFile? Page(string name) => _pages.GetValueOrDefault(name);

    /// <summary>The asset of that exact file name, or null.</summary>
    public WebFile? Asset(string file) => _assets.GetValueOrDefault(file);

    public int AssetCount => _assets.Count;
}
