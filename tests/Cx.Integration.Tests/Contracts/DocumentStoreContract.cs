using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Documents;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// What every <see cref="IDocumentStore"/> and its <see cref="IChangeFeed"/> must do: point
/// operations, ETags, unique values, ReadMany and the change feed as a fresh consumer sees it.
/// Subclassed once per adapter, each on a fresh, empty store per test.
/// </summary>
public abstract class DocumentStoreContract : IAsyncLifetime
{
    protected const string Container = Containers.Content;
    protected const string Type = "note";

    protected abstract IDocumentStore Store { get; }

    protected abstract IChangeFeed Feed { get; }

    public virtual async Task InitializeAsync() => await Store.InitializeAsync(CancellationToken.None);

    public virtual Task DisposeAsync() => Task.CompletedTask;

    // ---- point operations -------------------------------------------------------------

    [Fact]
    public async Task Should_create_and_read_a_document()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"title":"Hello"}"""), default);

        var read = await Store.ReadAsync(Container, new DocumentKey("p1", "n1"), default);

        Assert.NotNull(read);
        Assert.False(string.IsNullOrEmpty(created.ETag));
        Assert.Equal(created.ETag, read.ETag);
        Assert.Equal(("n1", "p1", Type), (read.Id, read.PartitionKey, read.Type));
        AssertJson(Body("n1", """{"title":"Hello"}"""), read.Json);
    }

    [Fact]
    public async Task Should_return_the_body_exactly_as_written_without_store_properties()
    {
        const string fields = """
            {"title":"Grüße 🌍 \"quoted\"","count":42,"ratio":0.125,"big":12345678901,"flag":false,"nothing":null,
             "tags":["a","b"],"address":{"city":"Oslo","lines":[{"n":1}]},"zone":[{"__component":"hero","_x":1}]}
            """;
        await Store.CreateAsync(Container, Note("n1", "p1", fields), default);

        var read = await Store.ReadAsync(Container, new DocumentKey("p1", "n1"), default);

        AssertJson(Body("n1", fields), read!.Json);
        var names = JsonNode.Parse(read.Json.Span)!.AsObject().Select(p => p.Key).ToList();
        Assert.DoesNotContain(names, n => n is "pk" or "ttl" || n.StartsWith('_'));
    }

    [Fact]
    public async Task Should_return_null_when_reading_a_missing_document()
    {
        await Store.CreateAsync(Container, Note("n1", "p1"), default);

        Assert.Null(await Store.ReadAsync(Container, new DocumentKey("p1", "missing"), default));
        Assert.Null(await Store.ReadAsync(Container, new DocumentKey("p2", "n1"), default));
    }

    [Fact]
    public async Task Should_fail_with_document_exists_when_the_id_is_taken_in_the_partition()
    {
        var first = await Store.CreateAsync(Container, Note("n1", "p1", """{"title":"first"}"""), default);

        var error = await Assert.ThrowsAsync<DocumentExistsException>(() =>
            Store.CreateAsync(Container, Note("n1", "p1", """{"title":"second"}"""), default).AsTask()
        );

        Assert.Equal(new DocumentKey("p1", "n1"), error.Key);
        var read = await Store.ReadAsync(Container, first.Key, default);
        Assert.Equal(first.ETag, read!.ETag);
        AssertJson(Body("n1", """{"title":"first"}"""), read.Json);
    }

    [Fact]
    public async Task Should_allow_the_same_id_in_another_partition()
    {
        await Store.CreateAsync(Container, Note("n1", "p1", """{"title":"one"}"""), default);
        await Store.CreateAsync(Container, Note("n1", "p2", """{"title":"two"}"""), default);

        AssertJson(Body("n1", """{"title":"one"}"""), (await Store.ReadAsync(Container, new DocumentKey("p1", "n1"), default))!.Json);
        AssertJson(Body("n1", """{"title":"two"}"""), (await Store.ReadAsync(Container, new DocumentKey("p2", "n1"), default))!.Json);
    }

    [Fact]
    public async Task Should_replace_a_document_when_the_etag_matches()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"title":"v1"}"""), default);

        var replaced = await Store.ReplaceAsync(Container, Note("n1", "p1", """{"title":"v2"}"""), created.ETag, default);

        Assert.NotEqual(created.ETag, replaced.ETag);
        var read = await Store.ReadAsync(Container, created.Key, default);
        Assert.Equal(replaced.ETag, read!.ETag);
        AssertJson(Body("n1", """{"title":"v2"}"""), read.Json);
    }

    [Fact]
    public async Task Should_reject_a_replace_when_the_etag_is_stale()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"title":"v1"}"""), default);
        var current = await Store.ReplaceAsync(Container, Note("n1", "p1", """{"title":"v2"}"""), created.ETag, default);

        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            Store.ReplaceAsync(Container, Note("n1", "p1", """{"title":"lost update"}"""), created.ETag, default).AsTask()
        );

        var read = await Store.ReadAsync(Container, created.Key, default);
        Assert.Equal(current.ETag, read!.ETag);
        AssertJson(Body("n1", """{"title":"v2"}"""), read.Json);
    }

    [Theory]
    [InlineData("*")]
    [InlineData(null)]
    public async Task Should_replace_when_if_match_is_a_wildcard_or_absent(string? ifMatch)
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"title":"v1"}"""), default);

        var replaced = await Store.ReplaceAsync(Container, Note("n1", "p1", """{"title":"v2"}"""), ifMatch, default);

        Assert.NotEqual(created.ETag, replaced.ETag);
        AssertJson(Body("n1", """{"title":"v2"}"""), (await Store.ReadAsync(Container, created.Key, default))!.Json);
    }

    [Fact]
    public async Task Should_fail_with_not_found_when_replacing_a_missing_document()
    {
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.ReplaceAsync(Container, Note("n1", "p1"), null, default).AsTask());

        Assert.Null(await Store.ReadAsync(Container, new DocumentKey("p1", "n1"), default));
    }

    [Fact]
    public async Task Should_upsert_a_new_and_then_an_existing_document()
    {
        var created = await Store.UpsertAsync(Container, Note("n1", "p1", """{"title":"v1"}"""), default);
        var updated = await Store.UpsertAsync(Container, Note("n1", "p1", """{"title":"v2"}"""), default);

        Assert.NotEqual(created.ETag, updated.ETag);
        var read = await Store.ReadAsync(Container, created.Key, default);
        Assert.Equal(updated.ETag, read!.ETag);
        AssertJson(Body("n1", """{"title":"v2"}"""), read.Json);
    }

    [Fact]
    public async Task Should_change_the_etag_on_every_write()
    {
        var etags = new List<string>
        {
            (await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}"""), default)).ETag,
            (await Store.ReplaceAsync(Container, Note("n1", "p1", """{"v":2}"""), null, default)).ETag,
            (await Store.UpsertAsync(Container, Note("n1", "p1", """{"v":3}"""), default)).ETag,
            (await Store.ReplaceAsync(Container, Note("n1", "p1", """{"v":3}"""), "*", default)).ETag,
        };

        Assert.Equal(etags.Count, etags.Distinct().Count());
        Assert.All(etags, e => Assert.False(e.StartsWith('"') || e.EndsWith('"'), $"ETag {e} is quoted."));
    }

    [Fact]
    public async Task Should_delete_a_document()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1"), default);

        await Store.DeleteAsync(Container, created.Key, created.ETag, default);

        Assert.Null(await Store.ReadAsync(Container, created.Key, default));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.DeleteAsync(Container, created.Key, null, default).AsTask());
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.ReplaceAsync(Container, Note("n1", "p1"), null, default).AsTask());
    }

    [Fact]
    public async Task Should_reject_a_delete_when_the_etag_is_stale()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}"""), default);
        var current = await Store.ReplaceAsync(Container, Note("n1", "p1", """{"v":2}"""), null, default);

        await Assert.ThrowsAsync<ETagMismatchException>(() => Store.DeleteAsync(Container, created.Key, created.ETag, default).AsTask());

        Assert.Equal(current.ETag, (await Store.ReadAsync(Container, created.Key, default))!.ETag);
        await Store.DeleteAsync(Container, created.Key, "*", default);
        Assert.Null(await Store.ReadAsync(Container, created.Key, default));
    }

    [Fact]
    public async Task Should_create_a_document_again_after_it_was_deleted()
    {
        var first = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}"""), default);
        await Store.DeleteAsync(Container, first.Key, null, default);

        var second = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":2}"""), default);

        Assert.NotEqual(first.ETag, second.ETag);
        AssertJson(Body("n1", """{"v":2}"""), (await Store.ReadAsync(Container, first.Key, default))!.Json);
    }

    [Fact]
    public async Task Should_upsert_a_document_after_it_was_deleted()
    {
        var first = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}"""), default);
        await Store.DeleteAsync(Container, first.Key, null, default);

        await Store.UpsertAsync(Container, Note("n1", "p1", """{"v":2}"""), default);

        AssertJson(Body("n1", """{"v":2}"""), (await Store.ReadAsync(Container, first.Key, default))!.Json);
    }

    [Fact]
    public async Task Should_read_many_documents_across_partitions_and_skip_missing_and_deleted_ones()
    {
        await Store.CreateAsync(Container, Note("a", "p1"), default);
        await Store.CreateAsync(Container, Note("b", "p1"), default);
        await Store.CreateAsync(Container, Note("c", "p1"), default);
        await Store.CreateAsync(Container, Note("d", "p2"), default);
        var deleted = await Store.CreateAsync(Container, Note("e", "p2"), default);
        await Store.DeleteAsync(Container, deleted.Key, null, default);

        var found = await Store.ReadManyAsync(
            Container,
            [new("p1", "a"), new("p1", "c"), new("p1", "a"), new("p2", "d"), new("p2", "e"), new("p1", "missing"), new("p3", "a")],
            default
        );

        Assert.Equal(["p1/a", "p1/c", "p2/d"], found.Select(d => $"{d.PartitionKey}/{d.Id}").Order(StringComparer.Ordinal));
        Assert.All(found, d => AssertJson(Body(d.Id, "{}"), d.Json));
    }

    [Fact]
    public async Task Should_return_nothing_when_reading_many_of_no_keys()
    {
        Assert.Empty(await Store.ReadManyAsync(Container, [], default));
    }

    // ---- unique values ---------------------------------------------------------------

    [Fact]
    public async Task Should_reject_a_unique_value_held_by_another_document()
    {
        await Store.CreateAsync(Container, Note("n1", "p1", unique: Email("ada@example.com")), default);

        var error = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Container, Note("n2", "p1", unique: Email("ada@example.com")), default).AsTask()
        );

        Assert.Equal("n1", error.OwnerId);
        Assert.Equal(Email("ada@example.com"), error.Value);
        Assert.Null(await Store.ReadAsync(Container, new DocumentKey("p1", "n2"), default));
    }

    [Fact]
    public async Task Should_keep_unique_values_unique_across_partitions()
    {
        await Store.CreateAsync(Container, Note("n1", "p1", unique: Email("ada@example.com")), default);

        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.UpsertAsync(Container, Note("n2", "p2", unique: Email("ada@example.com")), default).AsTask()
        );

        Assert.Null(await Store.ReadAsync(Container, new DocumentKey("p2", "n2"), default));
    }

    [Fact]
    public async Task Should_allow_the_same_value_in_another_scope()
    {
        await Store.CreateAsync(Container, Note("n1", "p1", unique: Email("ada@example.com")), default);

        await Store.CreateAsync(Container, Note("n2", "p1", unique: new UniqueValue("note.handle", "ada@example.com")), default);

        Assert.NotNull(await Store.ReadAsync(Container, new DocumentKey("p1", "n2"), default));
    }

    [Fact]
    public async Task Should_let_a_document_keep_its_unique_value_when_it_is_replaced_or_upserted()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}""", Email("ada@example.com")), default);

        var replaced = await Store.ReplaceAsync(
            Container,
            Note("n1", "p1", """{"v":2}""", Email("ada@example.com")),
            created.ETag,
            default
        );
        await Store.UpsertAsync(Container, Note("n1", "p1", """{"v":3}""", Email("ada@example.com")), default);

        Assert.NotEqual(created.ETag, replaced.ETag);
        AssertJson(Body("n1", """{"v":3}"""), (await Store.ReadAsync(Container, created.Key, default))!.Json);
        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Container, Note("n2", "p1", unique: Email("ada@example.com")), default).AsTask()
        );
    }

    [Fact]
    public async Task Should_release_a_unique_value_when_the_document_changes_it()
    {
        await Store.CreateAsync(Container, Note("n1", "p1", unique: Email("old@example.com")), default);

        await Store.ReplaceAsync(Container, Note("n1", "p1", unique: Email("new@example.com")), null, default);

        await Store.CreateAsync(Container, Note("n2", "p1", unique: Email("old@example.com")), default);
        var error = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Container, Note("n3", "p1", unique: Email("new@example.com")), default).AsTask()
        );
        Assert.Equal("n1", error.OwnerId);
    }

    [Fact]
    public async Task Should_release_unique_values_when_the_document_is_deleted()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", unique: Email("ada@example.com")), default);

        await Store.DeleteAsync(Container, created.Key, null, default);

        await Store.CreateAsync(Container, Note("n2", "p2", unique: Email("ada@example.com")), default);
        Assert.NotNull(await Store.ReadAsync(Container, new DocumentKey("p2", "n2"), default));
    }

    [Fact]
    public async Task Should_write_nothing_when_one_of_several_unique_claims_fails()
    {
        await Store.CreateAsync(Container, Note("owner", "p1", unique: Email("taken@example.com")), default);

        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store
                .CreateAsync(
                    Container,
                    Note("n2", "p1", """{"v":1}""", new UniqueValue("note.handle", "free"), Email("taken@example.com")),
                    default
                )
                .AsTask()
        );

        Assert.Null(await Store.ReadAsync(Container, new DocumentKey("p1", "n2"), default));
        // The value that was free is free again: nothing of the failed write remains.
        await Store.CreateAsync(Container, Note("n3", "p1", unique: new UniqueValue("note.handle", "free")), default);
    }

    [Fact]
    public async Task Should_keep_the_old_document_and_its_values_when_a_replace_fails_on_a_unique_value()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}""", Email("mine@example.com")), default);
        await Store.CreateAsync(Container, Note("n2", "p1", unique: Email("theirs@example.com")), default);

        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store
                .ReplaceAsync(
                    Container,
                    Note("n1", "p1", """{"v":2}""", Email("theirs@example.com"), new UniqueValue("note.handle", "h")),
                    null,
                    default
                )
                .AsTask()
        );

        var read = await Store.ReadAsync(Container, created.Key, default);
        Assert.Equal(created.ETag, read!.ETag);
        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Container, Note("n3", "p1", unique: Email("mine@example.com")), default).AsTask()
        );
        await Store.CreateAsync(Container, Note("n4", "p1", unique: new UniqueValue("note.handle", "h")), default);
    }

    [Fact]
    public async Task Should_keep_unique_values_when_a_replace_fails_on_a_stale_etag()
    {
        var created = await Store.CreateAsync(Container, Note("n1", "p1", """{"v":1}""", Email("mine@example.com")), default);
        await Store.ReplaceAsync(Container, Note("n1", "p1", """{"v":2}""", Email("mine@example.com")), null, default);

        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            Store.ReplaceAsync(Container, Note("n1", "p1", """{"v":3}""", Email("next@example.com")), created.ETag, default).AsTask()
        );

        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Container, Note("n2", "p1", unique: Email("mine@example.com")), default).AsTask()
        );
        await Store.CreateAsync(Container, Note("n3", "p1", unique: Email("next@example.com")), default);
    }

    // ---- change feed, as a fresh consumer sees it -----------------------------------------

    [Fact]
    public async Task Should_deliver_the_latest_change_of_every_document_in_write_order()
    {
        var a1 = await Store.CreateAsync(Container, Note("a", "p1", """{"v":1}"""), default);
        var b = await Store.CreateAsync(Container, Note("b", "p1", """{"v":1}"""), default);
        var a2 = await Store.ReplaceAsync(Container, Note("a", "p1", """{"v":2}"""), null, default);
        var c = await Store.CreateAsync(Container, Note("c", "p2", """{"v":1}"""), default);
        var definition = await Store.CreateAsync(
            Containers.Definitions,
            new DocumentWrite("d", "content-type", "content-type", Encoding.UTF8.GetBytes("""{"id":"d","type":"content-type"}""")),
            default
        );

        var batch = await Feed.ReadAsync("hooks", 100, default);

        // Per document, changes come in write order and the latest one is always there (a store
        // may fold intermediate versions into the latest: Cosmos DB's latest-version feed does).
        AssertOrdered(batch, "a", [a1.ETag, a2.ETag]);
        var latest = batch.Changes.Last(ch => ch.Id == "a");
        Assert.Equal((ChangeKind.Upsert, a2.ETag, "p1", Type), (latest.Kind, latest.ETag, latest.PartitionKey, latest.Type));
        AssertJson(Body("a", """{"v":2}"""), latest.After!.Value);
        Assert.Equal(b.ETag, Assert.Single(batch.Changes, ch => ch.Id == "b").ETag);
        Assert.Equal(
            (c.ETag, Container),
            (Assert.Single(batch.Changes, ch => ch.Id == "c").ETag, Assert.Single(batch.Changes, ch => ch.Id == "c").Container)
        );
        var defined = Assert.Single(batch.Changes, ch => ch.Id == "d");
        Assert.Equal((Containers.Definitions, definition.ETag, "content-type"), (defined.Container, defined.ETag, defined.Type));
        Assert.Equal(batch.Changes.Count, batch.Changes.Select(ch => ch.Position).Distinct().Count());
    }

    [Fact]
    public async Task Should_deliver_a_delete_without_a_body()
    {
        var created = await Store.CreateAsync(Container, Note("gone", "p1", """{"v":1}"""), default);
        await Store.DeleteAsync(Container, created.Key, null, default);

        var batch = await Feed.ReadAsync("hooks", 100, default);

        var last = batch.Changes.Last(ch => ch.Id == "gone");
        Assert.Equal((ChangeKind.Delete, "p1", Type, Container), (last.Kind, last.PartitionKey, last.Type, last.Container));
        Assert.Null(last.After);
        Assert.All(batch.Changes.Where(ch => ch.Id == "gone" && ch.Kind == ChangeKind.Upsert), ch => Assert.Equal(created.ETag, ch.ETag));
    }

    [Fact]
    public async Task Should_redeliver_changes_until_they_are_committed()
    {
        await Store.CreateAsync(Container, Note("a", "p1"), default);
        await Store.CreateAsync(Container, Note("b", "p1"), default);

        var first = await Feed.ReadAsync("hooks", 100, default);
        var again = await Feed.ReadAsync("hooks", 100, default);

        Assert.Equal(2, first.Changes.Count);
        Assert.Equal(first.Changes.Select(ch => (ch.Id, ch.ETag)), again.Changes.Select(ch => (ch.Id, ch.ETag)));
    }

    [Fact]
    public async Task Should_keep_a_checkpoint_per_consumer()
    {
        await Store.CreateAsync(Container, Note("a", "p1"), default);
        await Store.CreateAsync(Container, Note("b", "p2"), default);

        var hooks = await Feed.ReadAsync("hooks", 100, default);
        await Feed.CommitAsync("hooks", hooks.Checkpoint, default);

        Assert.Empty((await Feed.ReadAsync("hooks", 100, default)).Changes);
        var export = await Feed.ReadAsync("export", 100, default);
        Assert.Equal(["a", "b"], export.Changes.Select(ch => ch.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Should_read_at_most_the_requested_number_of_changes()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.CreateAsync(Container, Note($"n{i}", "p1"), default);
        }

        var batch = await Feed.ReadAsync("hooks", 2, default);

        Assert.InRange(batch.Changes.Count, 1, 2);
        Assert.All(batch.Changes, ch => Assert.StartsWith("n", ch.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Should_return_an_empty_batch_when_nothing_was_written()
    {
        var batch = await Feed.ReadAsync("hooks", 10, default);

        Assert.Empty(batch.Changes);
        await Feed.CommitAsync("hooks", batch.Checkpoint, default);
        Assert.Empty((await Feed.ReadAsync("hooks", 10, default)).Changes);
    }

    [Fact]
    public async Task Should_reject_a_checkpoint_that_the_feed_did_not_produce()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Feed.CommitAsync("hooks", "not a checkpoint", default).AsTask());
    }

    // ---- helpers --------------------------------------------------------------------------

    protected static UniqueValue Email(string value) => new("note.email", value);

    /// <summary>A note document: id and type in the body, then the given fields.</summary>
    protected static DocumentWrite Note(string id, string partitionKey, string fields = "{}", params UniqueValue[] unique) =>
        new(id, partitionKey, Type, Body(id, fields)) { UniqueValues = unique };

    protected static byte[] Body(string id, string fields)
    {
        var body = new JsonObject { ["id"] = id, ["type"] = Type };
        foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject().ToList())
        {
            body[name] = value?.DeepClone();
        }
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    protected static void AssertJson(ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual)
    {
        var e = JsonNode.Parse(expected.Span);
        var a = JsonNode.Parse(actual.Span);
        Assert.True(JsonNode.DeepEquals(e, a), $"Expected {e?.ToJsonString()}\n but got {a?.ToJsonString()}");
    }

    /// <summary>The document's changes are in write order: their ETags are a subsequence of <paramref name="written"/>, ending with the last.</summary>
    protected static void AssertOrdered(ChangeBatch batch, string id, IReadOnlyList<string> written)
    {
        var seen = batch.Changes.Where(ch => ch.Id == id).Select(ch => ch.ETag).ToList();
        Assert.NotEmpty(seen);
        Assert.Equal(written[^1], seen[^1]);
        var next = 0;
        foreach (var etag in seen)
        {
            var at = written.ToList().IndexOf(etag, next);
            Assert.True(at >= 0, $"Change {etag} of '{id}' is out of order or unknown; written: {string.Join(", ", written)}.");
            next = at + 1;
        }
    }
}
