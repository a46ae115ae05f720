using System.Runtime.CompilerServices;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Portability;

/// <summary>An export checked and ready to stream: the type, its query and its columns.</summary>
public sealed record ExportPlan(ContentSchema Schema, DocumentQuery Query, IReadOnlyList<ExportColumn> Columns);

/// <summary>
/// Exports of the entries of a collection type. The filters are the list's (<see cref="EntryQuery"/>),
/// the order is always the id, so an interrupted export resumes with the last id received
/// (<c>after</c>). Pages are read from the store with keyset paging one at a time while the
/// writer streams them: memory stays bounded whatever the number of entries.
/// </summary>
public sealed class ExportService(
    ContentTypeRegistry registry,
    IDocumentStore store,
    IOptions<ContentOptions> contentOptions,
    IOptions<PortabilityOptions> options
)
{
    public const int MaxIdLength = 256;

    /// <summary>Checks the type and the filters (400 naming the parameter) before anything is written.</summary>
    public async Task<ExportPlan> PlanAsync(
        string typeKey,
        IReadOnlyList<RawFilter> filters,
        string? after,
        CancellationToken cancellationToken
    )
    {
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        if (schema.Type.Kind != ContentKind.Collection)
        {
            throw new ConflictException("single-type", $"'{typeKey}' is a single type; read it at /api/v1/singles/{typeKey}.");
        }
        if (after is not null && (after.Length == 0 || after.Length > MaxIdLength))
        {
            throw new ValidationException(
                [new("after", "length", $"after is an entry id of 1 to {MaxIdLength} characters.", ErrorLocation.Query)],
                "The query string is not valid."
            );
        }
        var request = new EntryListRequest
        {
            Filters = filters,
            Limit = 1,
            After = after is null ? null : new Keyset([], after),
        };
        var query = EntryQuery.Build(schema, request, contentOptions.Value) with { Limit = options.Value.ExportPageSize };
        return new ExportPlan(schema, query, ExportColumns.For(schema));
    }

    /// <summary>The matching entries, one keyset page at a time, in id order.</summary>
    public async IAsyncEnumerable<IReadOnlyList<StoredDocument>> PagesAsync(
        ExportPlan plan,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var query = plan.Query;
        while (true)
        {
            var page = await store.QueryAsync(plan.Schema.Container, query, cancellationToken);
            if (page.Items.Count > 0)
            {
                yield return page.Items;
            }
            if (page.Next is null)
            {
                yield break;
            }
            query = query with { After = page.Next };
        }
    }
}
