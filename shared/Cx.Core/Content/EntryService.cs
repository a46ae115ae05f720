using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Content;

/// <summary>
/// Entries of any content type: create, read, replace, merge-patch, delete and list, with
/// validation against the type, unique values, relation checks and optimistic concurrency.
/// The customer profile API is this service with the <c>customer</c> type.
/// </summary>
public sealed class EntryService(
    ContentTypeRegistry registry,
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> options,
    Audit.AuditLog? audit = null,
    Identity.SessionService? sessions = null
)
{
    /// <summary>
    /// Attempts of a read-modify-write that keeps losing to concurrent writers. Every round has a
    /// winner, so N racing writers all finish within N rounds; beyond this many the caller gets 412.
    /// </summary>
    private const int MaxConcurrencyRetries = 16;

    public async Task<StoredDocument> GetAsync(string typeKey, string id, CancellationToken cancellationToken)
    {
        var schema = await GetCollectionAsync(typeKey, cancellationToken);
        return await ReadExistingAsync(schema, id, cancellationToken);
    }

    public async Task<StoredDocument> CreateAsync(
        string typeKey,
        JsonObject body,
        CancellationToken cancellationToken,
        WriteActor actor = WriteActor.Client
    )
    {
        var schema = await GetCollectionAsync(typeKey, cancellationToken);
        EnsureWritable(schema, actor);
        var id = ReadBodyId(body, routeId: null) ?? Ids.New(time);
        CheckBodyType(schema, body);
        var now = Instants.Format(time.GetUtcNow());
        var write = await PrepareAsync(schema, id, body, current: null, createdAt: now, now, actor, cancellationToken);
        return await store.CreateAsync(schema.Container, write, cancellationToken);
    }

    public async Task<StoredDocument> ReplaceAsync(
        string typeKey,
        string id,
        JsonObject body,
        string? ifMatch,
        CancellationToken cancellationToken,
        WriteActor actor = WriteActor.Client
    )
    {
        var schema = await GetCollectionAsync(typeKey, cancellationToken);
        EnsureWritable(schema, actor);
        ReadBodyId(body, id);
        CheckBodyType(schema, body);
        return await ReplaceCoreAsync(schema, id, _ => (JsonObject)body.DeepClone(), ifMatch, actor, cancellationToken);
    }

    public async Task<StoredDocument> PatchAsync(
        string typeKey,
        string id,
        JsonObject patch,
        string? ifMatch,
        CancellationToken cancellationToken,
        WriteActor actor = WriteActor.Client
    )
    {
        var schema = await GetCollectionAsync(typeKey, cancellationToken);
        EnsureWritable(schema, actor);
        ReadBodyId(patch, id);
        CheckBodyType(schema, patch);
        return await ReplaceCoreAsync(
            schema,
            id,
            current => (JsonObject)JsonMergePatch.Apply(current, patch.DeepClone())!,
            ifMatch,
            actor,
            cancellationToken
        );
    }

    public async Task DeleteAsync(string typeKey, string id, string? ifMatch, CancellationToken cancellationToken)
    {
        var schema = await GetCollectionAsync(typeKey, cancellationToken);
        EnsureWritable(schema, WriteActor.Client);
        await DeleteCoreAsync(schema, id, ifMatch, cancellationToken);
        if (schema.Container == Containers.Customers)
        {
            // A deleted customer is signed out everywhere: its sessions end, refresh tokens included.
            if (sessions is not null && typeKey == Profiles.CustomerProfile.TypeKey)
            {
                await sessions.RevokeAllAsync(Identity.ActorKind.Customer, id, cancellationToken);
            }
            // Erasing a customer's data is always on record.
            if (audit is not null)
            {
                await audit.RecordAsync(Audit.AuditActions.CustomerDeleted, typeKey, id, cancellationToken: cancellationToken);
            }
        }
    }

    public async Task<(ContentSchema Schema, DocumentPage Page)> ListAsync(
        string typeKey,
        EntryListRequest request,
        CancellationToken cancellationToken
    )
    {
        var schema = await GetCollectionAsync(typeKey, cancellationToken);
        var query = EntryQuery.Build(schema, request, options.Value);
        return (schema, await store.QueryAsync(schema.Container, query, cancellationToken));
    }

    // Single types: one entry whose id is the type key.

    public async Task<StoredDocument> GetSingleAsync(string typeKey, CancellationToken cancellationToken)
    {
        var schema = await GetSingleTypeAsync(typeKey, cancellationToken);
        return await ReadExistingAsync(schema, schema.Key, cancellationToken);
    }

    public async Task<(StoredDocument Document, bool Created)> PutSingleAsync(
        string typeKey,
        JsonObject body,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var schema = await GetSingleTypeAsync(typeKey, cancellationToken);
        EnsureWritable(schema, WriteActor.Client);
        ReadBodyId(body, schema.Key);
        CheckBodyType(schema, body);
        var existing = await store.ReadAsync(schema.Container, schema.KeyFor(schema.Key), cancellationToken);
        if (existing is null)
        {
            if (ifMatch is not null)
            {
                throw new PreconditionFailedException($"'{typeKey}' has no entry yet, so If-Match cannot hold.");
            }
            var now = Instants.Format(time.GetUtcNow());
            var write = await PrepareAsync(schema, schema.Key, body, null, now, now, WriteActor.Client, cancellationToken);
            return (await store.CreateAsync(schema.Container, write, cancellationToken), true);
        }
        var replaced = await ReplaceCoreAsync(
            schema,
            schema.Key,
            _ => (JsonObject)body.DeepClone(),
            ifMatch,
            WriteActor.Client,
            cancellationToken
        );
        return (replaced, false);
    }

    public async Task<StoredDocument> PatchSingleAsync(
        string typeKey,
        JsonObject patch,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        var schema = await GetSingleTypeAsync(typeKey, cancellationToken);
        EnsureWritable(schema, WriteActor.Client);
        ReadBodyId(patch, schema.Key);
        return await ReplaceCoreAsync(
            schema,
            schema.Key,
            current => (JsonObject)JsonMergePatch.Apply(current, patch.DeepClone())!,
            ifMatch,
            WriteActor.Client,
            cancellationToken
        );
    }

    public async Task DeleteSingleAsync(string typeKey, string? ifMatch, CancellationToken cancellationToken)
    {
        var schema = await GetSingleTypeAsync(typeKey, cancellationToken);
        EnsureWritable(schema, WriteActor.Client);
        await DeleteCoreAsync(schema, schema.Key, ifMatch, cancellationToken);
    }

    private async Task DeleteCoreAsync(ContentSchema schema, string id, string? ifMatch, CancellationToken cancellationToken)
    {
        var existing = await ReadExistingAsync(schema, id, cancellationToken);
        await store.DeleteAsync(schema.Container, existing.Key, ifMatch, cancellationToken);
    }

    private async Task<StoredDocument> ReplaceCoreAsync(
        ContentSchema schema,
        string id,
        Func<JsonObject, JsonObject> change,
        string? ifMatch,
        WriteActor actor,
        CancellationToken cancellationToken
    )
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await ReadExistingAsync(schema, id, cancellationToken);
            if (ifMatch is not null && ifMatch != "*" && ifMatch != existing.ETag)
            {
                throw new ETagMismatchException(existing.Key);
            }
            var current = JsonNode.Parse(existing.Json.Span)!.AsObject();
            var createdAt = current["createdAt"]?.GetValue<string>() ?? Instants.Format(time.GetUtcNow());
            var write = await PrepareAsync(
                schema,
                id,
                change(current.DeepClone().AsObject()),
                current,
                createdAt,
                Instants.Format(time.GetUtcNow()),
                actor,
                cancellationToken
            );
            try
            {
                // Without a client If-Match the read-modify-write is still atomic: it is
                // conditional on the version read above and retried when someone else won.
                return await store.ReplaceAsync(schema.Container, write, existing.ETag, cancellationToken);
            }
            catch (ETagMismatchException) when (ifMatch is null && attempt < MaxConcurrencyRetries) { }
        }
    }

    private async Task<DocumentWrite> PrepareAsync(
        ContentSchema schema,
        string id,
        JsonObject body,
        JsonObject? current,
        string createdAt,
        string updatedAt,
        WriteActor actor,
        CancellationToken cancellationToken
    )
    {
        var validated = EntryValidator.Validate(schema, body, current, actor);
        await CheckRelationsAsync(validated.Relations, cancellationToken);
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
        return new DocumentWrite(
            id,
            schema.PartitionKeyFor(id),
            schema.Key,
            JsonSerializer.SerializeToUtf8Bytes(document, CxJson.SerializerOptions)
        )
        {
            UniqueValues = validated.UniqueValues,
        };
    }

    private async Task CheckRelationsAsync(IReadOnlyList<RelationReference> relations, CancellationToken cancellationToken)
    {
        if (relations.Count == 0)
        {
            return;
        }
        var errors = new List<FieldError>();
        foreach (var group in relations.GroupBy(r => r.TargetType, StringComparer.Ordinal))
        {
            ContentSchema target;
            try
            {
                target = await registry.GetSchemaAsync(group.Key, cancellationToken);
            }
            catch (NotFoundException)
            {
                errors.AddRange(group.Select(r => new FieldError(r.Pointer, "relation", $"Content type '{group.Key}' does not exist.")));
                continue;
            }
            var keys = group.Select(r => target.KeyFor(r.Id)).Distinct().ToList();
            var found = await store.ReadManyAsync(target.Container, keys, cancellationToken);
            var ids = found.Where(d => d.Type == target.Key).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            errors.AddRange(
                group
                    .Where(r => !ids.Contains(r.Id))
                    .Select(r => new FieldError(r.Pointer, "relation", $"No '{group.Key}' entry has id '{r.Id}'."))
            );
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "Some relations point to entries that do not exist.");
        }
    }

    private async Task<StoredDocument> ReadExistingAsync(ContentSchema schema, string id, CancellationToken cancellationToken)
    {
        if (!Ids.IsValidClientId(id))
        {
            throw new NotFoundException(schema.Type.DisplayName, id);
        }
        var document = await store.ReadAsync(schema.Container, schema.KeyFor(id), cancellationToken);
        if (document is null || document.Type != schema.Key)
        {
            throw new NotFoundException(schema.Type.DisplayName, id);
        }
        return document;
    }

    private async Task<ContentSchema> GetCollectionAsync(string typeKey, CancellationToken cancellationToken)
    {
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        if (schema.Type.Kind != ContentKind.Collection)
        {
            throw new ConflictException("single-type", $"'{typeKey}' is a single type; use /api/v1/singles/{typeKey}.");
        }
        return schema;
    }

    private async Task<ContentSchema> GetSingleTypeAsync(string typeKey, CancellationToken cancellationToken)
    {
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        if (schema.Type.Kind != ContentKind.Single)
        {
            throw new ConflictException("collection-type", $"'{typeKey}' is a collection type; use /api/v1/content/{typeKey}.");
        }
        return schema;
    }

    /// <summary>Entries of a system-written type (journey reports, ...) are created, changed and deleted by Cx only.</summary>
    private static void EnsureWritable(ContentSchema schema, WriteActor actor)
    {
        if (actor == WriteActor.Client && schema.Type.SystemWritten)
        {
            throw new ConflictException("system-written", $"Entries of '{schema.Key}' are written by Cx only; clients can read them.");
        }
    }

    /// <summary>The id in a body: optional, must be valid, and must match the URL when there is one.</summary>
    private static string? ReadBodyId(JsonObject body, string? routeId)
    {
        if (!body.TryGetPropertyValue("id", out var node) || node is null)
        {
            return null;
        }
        var id = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        if (routeId is not null && id != routeId)
        {
            throw new ValidationException(
                new FieldError("/id", "id-mismatch", $"The id in the body must equal the id in the URL ('{routeId}').")
            );
        }
        if (!Ids.IsValidClientId(id))
        {
            throw new ValidationException(new FieldError("/id", "id", "An id is 1-64 letters, digits, '-' or '_'."));
        }
        return id;
    }

    private static void CheckBodyType(ContentSchema schema, JsonObject body)
    {
        if (
            body.TryGetPropertyValue("type", out var node)
            && node is not null
            && !(node.GetValueKind() == JsonValueKind.String && node.GetValue<string>() == schema.Key)
        )
        {
            throw new ValidationException(new FieldError("/type", "type-mismatch", $"This endpoint takes '{schema.Key}' entries."));
        }
    }
}
