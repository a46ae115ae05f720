using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Portability;

/// <summary>One bad value of an import: the line of the file where its row starts and a JSON Pointer into the row.</summary>
public sealed record ImportError(long Line, string Pointer, string Code, string Detail);

/// <summary>A row read from an import file: its entry, or the errors that kept it from being read.</summary>
public sealed record ImportRow(long Line, JsonObject? Entry, IReadOnlyList<ImportError> Errors);

/// <summary>What an import wrote, and where the next request resumes when the file holds more rows than one request takes.</summary>
public sealed record ImportSummary(int Created, int Updated, long? NextFrom);

/// <summary>An import with bad rows: nothing was written.</summary>
public sealed class ImportRejectedException(IReadOnlyList<ImportError> errors, bool truncated)
    : CxException($"{(truncated ? "At least " : "")}{errors.Count} problem(s) in the file; nothing was written.")
{
    public IReadOnlyList<ImportError> Errors { get; } = errors;

    public bool Truncated { get; } = truncated;

    public override string Code => "import-rejected";
}

/// <summary>
/// Bulk upsert of entries into a collection type. Every row of the chunk is validated first
/// with the type's validator (the rules of <see cref="EntryService"/>: fields, relations, ids,
/// unique values within the file), and only when no row has an error are the rows written, as
/// upserts by id. A request takes at most <see cref="PortabilityOptions.ImportMaxRows"/> rows
/// starting at the line <c>from</c>; the summary says where the next chunk starts.
/// </summary>
public sealed class ImportService(
    ContentTypeRegistry registry,
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> contentOptions,
    IOptions<PortabilityOptions> options
)
{
    /// <summary>The collection type to import into; single and system-written types are refused.</summary>
    public async Task<ContentSchema> GetTypeAsync(string typeKey, CancellationToken cancellationToken)
    {
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        if (schema.Type.Kind != ContentKind.Collection)
        {
            throw new ConflictException("single-type", $"'{typeKey}' is a single type; write it at /api/v1/singles/{typeKey}.");
        }
        if (schema.Type.SystemWritten)
        {
            throw new ConflictException("system-written", $"Entries of '{typeKey}' are written by Cx only.");
        }
        return schema;
    }

    public async Task<ImportSummary> ImportAsync(
        ContentSchema schema,
        IAsyncEnumerable<ImportRow> rows,
        CancellationToken cancellationToken
    )
    {
        var settings = options.Value;
        var errors = new List<ImportError>();
        var writes = new List<(DocumentWrite Write, bool Exists)>();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var uniques = new Dictionary<UniqueValue, long>();
        long? nextFrom = null;
        var count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (count == settings.ImportMaxRows)
            {
                nextFrom = row.Line;
                break;
            }
            count++;
            if (row.Errors.Count > 0 || row.Entry is null)
            {
                errors.AddRange(row.Errors);
            }
            else
            {
                var rowErrors = new List<ImportError>();
                var prepared = await PrepareAsync(schema, row.Line, row.Entry, ids, uniques, rowErrors, cancellationToken);
                errors.AddRange(rowErrors);
                if (prepared is { } write && errors.Count == 0)
                {
                    writes.Add(write);
                }
            }
            if (errors.Count >= settings.ImportMaxErrors)
            {
                throw new ImportRejectedException(errors.Take(settings.ImportMaxErrors).ToList(), truncated: true);
            }
        }
        if (errors.Count > 0)
        {
            throw new ImportRejectedException(errors, truncated: false);
        }
        int created = 0,
            updated = 0;
        foreach (var (write, exists) in writes)
        {
            await store.UpsertAsync(schema.Container, write, cancellationToken);
            if (exists)
            {
                updated++;
            }
            else
            {
                created++;
            }
        }
        return new ImportSummary(created, updated, nextFrom);
    }

    private async Task<(DocumentWrite, bool)?> PrepareAsync(
        ContentSchema schema,
        long line,
        JsonObject body,
        Dictionary<string, long> ids,
        Dictionary<UniqueValue, long> uniques,
        List<ImportError> errors,
        CancellationToken cancellationToken
    )
    {
        string id;
        if (body["id"] is { } idNode)
        {
            var text = idNode.GetValueKind() == JsonValueKind.String ? idNode.GetValue<string>() : null;
            if (!Ids.IsValidClientId(text))
            {
                errors.Add(new(line, "/id", "id", "An id is 1-64 letters, digits, '-' or '_'."));
                return null;
            }
            id = text!;
        }
        else
        {
            id = Ids.New(time);
        }
        if (body["type"] is { } typeNode && !(typeNode.GetValueKind() == JsonValueKind.String && typeNode.GetValue<string>() == schema.Key))
        {
            errors.Add(new(line, "/type", "type-mismatch", $"This import takes '{schema.Key}' entries."));
        }
        if (!ids.TryAdd(id, line))
        {
            errors.Add(new(line, "/id", "duplicate-id", $"Line {ids[id]} already has the id '{id}'."));
            return null;
        }
        var existing = await store.ReadAsync(schema.Container, schema.KeyFor(id), cancellationToken);
        if (existing is not null && existing.Type != schema.Key)
        {
            errors.Add(new(line, "/id", "id-taken", $"The id '{id}' belongs to a '{existing.Type}' entry."));
            return null;
        }
        var current = existing is null ? null : JsonNode.Parse(existing.Json.Span)!.AsObject();
        var now = Instants.Format(time.GetUtcNow());
        var createdAt = Instant(body, "createdAt", line, errors) ?? current?["createdAt"]?.GetValue<string>() ?? now;
        var updatedAt = Instant(body, "updatedAt", line, errors) ?? now;
        ValidatedEntry validated;
        try
        {
            validated = EntryValidator.Validate(schema, body, current, WriteActor.Client);
        }
        catch (ValidationException e)
        {
            errors.AddRange(e.Errors.Select(f => new ImportError(line, f.Path, f.Code, f.Detail)));
            return null;
        }
        foreach (var unique in validated.UniqueValues)
        {
            if (!uniques.TryAdd(unique, line))
            {
                var field = unique.Scope[(unique.Scope.IndexOf('.', StringComparison.Ordinal) + 1)..];
                errors.Add(new(line, "/" + field, "unique", $"Line {uniques[unique]} already has this value."));
            }
        }
        await CheckStoredUniqueValuesAsync(schema, id, validated.Fields, line, errors, cancellationToken);
        await CheckRelationsAsync(validated.Relations, line, errors, cancellationToken);
        if (errors.Count > 0)
        {
            return null;
        }
        var document = new JsonObject
        {
            ["id"] = id,
            ["type"] = schema.Key,
            ["schemaVersion"] = schema.Type.Version,
            ["createdAt"] = createdAt,
            ["updatedAt"] = updatedAt,
        };
        foreach (var (name, value) in validated.Fields.ToList())
        {
            validated.Fields.Remove(name);
            document[name] = value;
        }
        var write = new DocumentWrite(
            id,
            schema.PartitionKeyFor(id),
            schema.Key,
            JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions)
        )
        {
            UniqueValues = validated.UniqueValues,
        };
        return (write, existing is not null);
    }

    /// <summary>A kept timestamp: an import carries the source system's createdAt and updatedAt when they are ISO 8601 instants.</summary>
    private static string? Instant(JsonObject body, string name, long line, List<ImportError> errors)
    {
        if (body[name] is not { } node)
        {
            return null;
        }
        if (node.GetValueKind() == JsonValueKind.String && Instants.TryParse(node.GetValue<string>(), out var instant))
        {
            return Instants.Format(instant);
        }
        errors.Add(new(line, "/" + name, "date-time", $"{name} is an ISO 8601 instant."));
        return null;
    }

    /// <summary>
    /// A unique text value that another stored entry holds would fail at write time, after other
    /// rows are written; when the field is indexed it is looked up now instead.
    /// </summary>
    private async Task CheckStoredUniqueValuesAsync(
        ContentSchema schema,
        string id,
        JsonObject fields,
        long line,
        List<ImportError> errors,
        CancellationToken cancellationToken
    )
    {
        foreach (var field in schema.UniqueFields)
        {
            if (
                !schema.Indexed.ContainsKey(field.Name)
                || fields[field.Name] is not JsonValue value
                || value.GetValueKind() != JsonValueKind.String
            )
            {
                continue;
            }
            var request = new EntryListRequest
            {
                Filters = [new RawFilter(field.Name, "eq", value.GetValue<string>(), $"filter[{field.Name}]")],
                Limit = 2,
            };
            var page = await store.QueryAsync(schema.Container, EntryQuery.Build(schema, request, contentOptions.Value), cancellationToken);
            if (page.Items.FirstOrDefault(d => d.Id != id) is { } owner)
            {
                errors.Add(new(line, "/" + field.Name, "unique", $"The entry '{owner.Id}' already has this value."));
            }
        }
    }

    private async Task CheckRelationsAsync(
        IReadOnlyList<RelationReference> relations,
        long line,
        List<ImportError> errors,
        CancellationToken cancellationToken
    )
    {
        foreach (var group in relations.GroupBy(r => r.TargetType, StringComparer.Ordinal))
        {
            ContentSchema target;
            try
            {
                target = await registry.GetSchemaAsync(group.Key, cancellationToken);
            }
            catch (NotFoundException)
            {
                errors.AddRange(
                    group.Select(r => new ImportError(line, r.Pointer, "relation", $"Content type '{group.Key}' does not exist."))
                );
                continue;
            }
            var keys = group.Select(r => target.KeyFor(r.Id)).Distinct().ToList();
            var found = await store.ReadManyAsync(target.Container, keys, cancellationToken);
            var present = found.Where(d => d.Type == target.Key).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            errors.AddRange(
                group
                    .Where(r => !present.Contains(r.Id))
                    .Select(r => new ImportError(line, r.Pointer, "relation", $"No '{group.Key}' entry has id '{r.Id}'."))
            );
        }
    }
}
