using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Http.Versioning;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>A generated document: its JSON, the entity tag of this version and when it was last checked.</summary>
public sealed record GeneratedOpenApiDocument(string ETag, ReadOnlyMemory<byte> Json, DateTimeOffset CheckedAt);

/// <summary>
/// The OpenAPI document of each API version (<see cref="ApiVersions"/>), of the current
/// definitions; a version's document lists only the operations of its routes. Generating it takes the catalog and every
/// content type and component; the result is kept and keyed by the definitions' versions (their
/// ETags), so it is generated again only after a definition changed. Within
/// <see cref="ContentOptions.DefinitionCacheSeconds"/> of the last check it is served without
/// looking, the same freshness bound the registry gives.
/// </summary>
public sealed class OpenApiDocumentProvider(
    ApiCatalog catalog,
    ContentTypeRegistry registry,
    TimeProvider time,
    IOptions<ContentOptions> options
)
{
    private const int PageSize = 500;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, GeneratedOpenApiDocument> _documents = new(
        StringComparer.Ordinal
    );

    /// <summary>The v1 document.</summary>
    public ValueTask<GeneratedOpenApiDocument> GetAsync(CancellationToken cancellationToken) => GetAsync(ApiVersions.V1, cancellationToken);

    /// <summary>The document of <paramref name="version"/> (one of <see cref="ApiVersions.All"/>).</summary>
    public async ValueTask<GeneratedOpenApiDocument> GetAsync(string version, CancellationToken cancellationToken)
    {
        if (!ApiVersions.All.Contains(version, StringComparer.Ordinal))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Not a published API version.");
        }
        _documents.TryGetValue(version, out var current);
        var now = time.GetUtcNow();
        if (current is not null && now - current.CheckedAt < TimeSpan.FromSeconds(options.Value.DefinitionCacheSeconds))
        {
            return current;
        }
        var types = await LoadAsync(ContentTypeRegistry.ContentTypeDocument, cancellationToken);
        var components = await LoadAsync(ContentTypeRegistry.ComponentDocument, cancellationToken);
        var etag = Version(version, types.Concat(components));
        if (current is not null && current.ETag == etag)
        {
            return _documents[version] = current with { CheckedAt = now };
        }
        var document = OpenApiDocumentBuilder.Build(
            [.. catalog.Operations.Where(o => ApiVersions.Of(o.Route) == version)],
            [.. types.Select(DefinitionDocuments.FromDocument<ContentType>)],
            [.. components.Select(DefinitionDocuments.FromDocument<ComponentDefinition>)],
            options.Value,
            version
        );
        var json = await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, cancellationToken);
        return _documents[version] = new GeneratedOpenApiDocument(etag, Encoding.UTF8.GetBytes(json), now);
    }

    private async Task<List<StoredDocument>> LoadAsync(string documentType, CancellationToken cancellationToken)
    {
        var documents = new List<StoredDocument>();
        Keyset? after = null;
        do
        {
            var (items, next) = await registry.ListAsync(documentType, PageSize, after, cancellationToken);
            documents.AddRange(items);
            after = next;
        } while (after is not null);
        return documents;
    }

    /// <summary>A tag that differs per version and changes with any definition, the page-size options or the build of this generator.</summary>
    private string Version(string version, IEnumerable<StoredDocument> definitions)
    {
        var text = new StringBuilder()
            .Append(version)
            .Append('|')
            .Append(typeof(OpenApiDocumentProvider).Assembly.ManifestModule.ModuleVersionId)
            .Append('|')
            .Append(options.Value.DefaultPageSize)
            .Append('|')
            .Append(options.Value.MaxPageSize);
        foreach (var definition in definitions.OrderBy(d => d.Type, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            text.Append('|').Append(definition.Type).Append(':').Append(definition.Id).Append(':').Append(definition.ETag);
        }
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 18));
    }
}
