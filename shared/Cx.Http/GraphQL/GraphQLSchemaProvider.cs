using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using GraphQL.Types;
using Microsoft.Extensions.Options;

namespace Cx.Http.GraphQL;

/// <summary>
/// The GraphQL schema of the current content types and components. Building it is kept and keyed
/// by the definitions' fingerprint (their ids and ETags), so a content-type change is in the schema
/// without a restart: at most <see cref="ContentOptions.DefinitionCacheSeconds"/> after the change,
/// the freshness bound the registry and the OpenAPI document give.
/// </summary>
public sealed class GraphQLSchemaProvider(ContentTypeRegistry registry, TimeProvider time, IOptions<ContentOptions> options) : IDisposable
{
    private const int PageSize = 500;

    private readonly FingerprintedValue<ISchema> _schema = new();
    private volatile Checked? _checked;

    private sealed record Checked(string Fingerprint, ISchema Schema, DateTimeOffset At);

    public async ValueTask<ISchema> GetAsync(CancellationToken cancellationToken)
    {
        var current = _checked;
        var now = time.GetUtcNow();
        if (current is not null && now - current.At < TimeSpan.FromSeconds(options.Value.DefinitionCacheSeconds))
        {
            return current.Schema;
        }
        var types = await LoadAsync(ContentTypeRegistry.ContentTypeDocument, cancellationToken);
        var components = await LoadAsync(ContentTypeRegistry.ComponentDocument, cancellationToken);
        var fingerprint = Fingerprint(types.Concat(components));
        var schema = await _schema.GetAsync(
            fingerprint,
            (types, components),
            static (state, _) =>
            {
                var built = GraphQLSchemaBuilder.Build(
                    [.. state.types.Select(DefinitionDocuments.FromDocument<ContentType>)],
                    [.. state.components.Select(DefinitionDocuments.FromDocument<ComponentDefinition>)]
                );
                built.Initialize();
                return built;
            },
            cancellationToken
        );
        _checked = new Checked(fingerprint, schema, now);
        return schema;
    }

    /// <summary>The schema's fingerprint as of the last check (null before the first).</summary>
    public string? CurrentFingerprint => _checked?.Fingerprint;

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

    private static string Fingerprint(IEnumerable<StoredDocument> definitions)
    {
        var text = new StringBuilder().Append(typeof(GraphQLSchemaProvider).Assembly.ManifestModule.ModuleVersionId);
        foreach (var definition in definitions.OrderBy(d => d.Type, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal))
        {
            text.Append('|').Append(definition.Type).Append(':').Append(definition.Id).Append(':').Append(definition.ETag);
        }
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 18));
    }

    public void Dispose() => _schema.Dispose();
}
