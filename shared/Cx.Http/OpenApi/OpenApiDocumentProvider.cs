using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Cx.Http.OpenApi;

/// <summary>A generated document: its JSON, the entity tag of this version and when it was last checked.</summary>
public sealed record GeneratedOpenApiDocument(string ETag, ReadOnlyMemory<byte> Json, DateTimeOffset CheckedAt);

/// <summary>
/// The OpenAPI document of the current definitions. Generating it takes the catalog and every
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

    private volatile GeneratedOpenApiDocument? _current;

    public async ValueTask<GeneratedOpenApiDocument> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        var now = time.GetUtcNow();
        if (current is not null && now - current.CheckedAt < TimeSpan.FromSeconds(options.Value.DefinitionCacheSeconds))
        {
            return current;
        }
        var types = await LoadAsync(ContentTypeRegistry.ContentTypeDocument, cancellationToken);
        var components = await LoadAsync(ContentTypeRegistry.ComponentDocument, cancellationToken);
        var etag = Version(types.Concat(components));
        if (current is not null && current.ETag == etag)
        {
            return _current = current with { CheckedAt = now };
        }
        var document = OpenApiDocumentBuilder.Build(
            catalog.Operations,
            [.. types.Select(DefinitionDocuments.FromDocument<ContentType>)],
            [.. components.Select(DefinitionDocuments.FromDocument<ComponentDefinition>)],
            options.Value
        );
        var json = await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, cancellationToken);
        return _current = new GeneratedOpenApiDocument(etag, Encoding.UTF8.GetBytes(json), now);
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

    /// <summary>A tag that changes with any definition, the page-size options or the build of this generator.</summary>
    private string Version(IEnumerable<StoredDocument> definitions)
    {
        var text = new StringBuilder()
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
