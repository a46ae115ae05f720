using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using static Cx.Core.Tests.Content.SchemaBuilder;

namespace Cx.Core.Tests.Content;

public sealed class EntryServiceTests : IAsyncLifetime
{
    private SqliteStoreFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private EntryService Sut => _fixture.Entries;

    private static JsonObject Body(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonElement Read(StoredDocument document) => JsonDocument.Parse(document.Json).RootElement;

    [Fact]
    public async Task Should_stamp_metadata_and_generate_ids()
    {
        var created = await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"email":"a@b.co"}"""), CancellationToken.None);
        var json = Read(created);
        Assert.Equal(26, created.Id.Length);
        Assert.Equal(created.Id, created.PartitionKey);
        Assert.Equal("customer", json.GetProperty("type").GetString());
        Assert.Equal("2026-11-25T09:00:00.000Z", json.GetProperty("createdAt").GetString());
        Assert.Equal(1, json.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public async Task Should_keep_created_at_and_move_updated_at_on_replace()
    {
        var created = await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c1","email":"a@b.co"}"""), CancellationToken.None);
        _fixture.Time.Advance(TimeSpan.FromMinutes(5));
        var replaced = await Sut.ReplaceAsync(
            CustomerProfile.TypeKey,
            "c1",
            Body("""{"email":"a@b.co","name":"Ana"}"""),
            created.ETag,
            CancellationToken.None
        );
        var json = Read(replaced);
        Assert.Equal("2026-11-25T09:00:00.000Z", json.GetProperty("createdAt").GetString());
        Assert.Equal("2026-11-25T09:05:00.000Z", json.GetProperty("updatedAt").GetString());
        Assert.NotEqual(created.ETag, replaced.ETag);
    }

    [Fact]
    public async Task Should_enforce_unique_values_across_entries_and_release_them_on_change()
    {
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c1","email":"a@b.co"}"""), CancellationToken.None);
        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c2","email":"A@B.CO"}"""), CancellationToken.None)
        );
        await _fixture.DrainChangesAsync();

        await Sut.PatchAsync(CustomerProfile.TypeKey, "c1", Body("""{"email":"new@b.co"}"""), null, CancellationToken.None);
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c2","email":"a@b.co"}"""), CancellationToken.None);
        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Sut.PatchAsync(CustomerProfile.TypeKey, "c2", Body("""{"email":"new@b.co"}"""), null, CancellationToken.None)
        );
        Assert.Equal(2, await _fixture.PendingChangesAsync());
    }

    [Fact]
    public async Task Should_leave_no_trace_when_a_write_fails()
    {
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c1","email":"a@b.co","authId":"auth|1"}"""), CancellationToken.None);
        var before = await Sut.GetAsync(CustomerProfile.TypeKey, "c1", CancellationToken.None);
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c2","email":"b@b.co"}"""), CancellationToken.None);
        await _fixture.DrainChangesAsync();

        // c1 takes a new auth id but collides on email: neither value may change.
        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Sut.PatchAsync(CustomerProfile.TypeKey, "c1", Body("""{"authId":"auth|9","email":"b@b.co"}"""), null, CancellationToken.None)
        );
        var after = await Sut.GetAsync(CustomerProfile.TypeKey, "c1", CancellationToken.None);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(0, await _fixture.PendingChangesAsync());
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c3","email":"c@b.co","authId":"auth|9"}"""), CancellationToken.None);
    }

    [Fact]
    public async Task Should_merge_patch_nested_components_and_remove_nulls()
    {
        await Sut.CreateAsync(
            CustomerProfile.TypeKey,
            Body("""{"id":"c1","email":"a@b.co","name":"Ana","preferences":{"language":"en","newsletter":true}}"""),
            CancellationToken.None
        );
        var patched = await Sut.PatchAsync(
            CustomerProfile.TypeKey,
            "c1",
            Body("""{"name":null,"preferences":{"language":"pt-PT"}}"""),
            null,
            CancellationToken.None
        );
        var json = Read(patched);
        Assert.False(json.TryGetProperty("name", out _));
        Assert.Equal("pt-PT", json.GetProperty("preferences").GetProperty("language").GetString());
        Assert.True(json.GetProperty("preferences").GetProperty("newsletter").GetBoolean());
    }

    [Fact]
    public async Task Should_retry_a_read_modify_write_that_lost_a_race_when_the_client_gave_no_etag()
    {
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c1","email":"a@b.co"}"""), CancellationToken.None);
        var tasks = Enumerable
            .Range(0, 8)
            .Select(i =>
                Sut.PatchAsync(
                    CustomerProfile.TypeKey,
                    "c1",
                    Body($$$"""{"preferences":{"timeZone":"Zone/{{{i}}}"}}"""),
                    null,
                    CancellationToken.None
                )
            );
        await Task.WhenAll(tasks);
        var changes = (await _fixture.Feed.ReadAsync("race", 1000, CancellationToken.None)).Changes.Count(c => c.Id == "c1");
        Assert.Equal(9, changes);
    }

    [Fact]
    public async Task Should_reject_a_stale_if_match_without_retrying()
    {
        var created = await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"c1","email":"a@b.co"}"""), CancellationToken.None);
        await Sut.PatchAsync(CustomerProfile.TypeKey, "c1", Body("""{"name":"x"}"""), null, CancellationToken.None);
        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            Sut.PatchAsync(CustomerProfile.TypeKey, "c1", Body("""{"name":"y"}"""), created.ETag, CancellationToken.None)
        );
    }

    [Fact]
    public async Task Should_check_that_relations_point_to_existing_entries()
    {
        await _fixture.Registry.CreateContentTypeAsync(Type("article", Field("title", FieldType.String)), CancellationToken.None);
        await _fixture.Registry.CreateContentTypeAsync(
            Type("page", Field("featured", FieldType.Relation) with { Target = "article", Many = true, MaxItems = 3 }),
            CancellationToken.None
        );
        await Sut.CreateAsync("article", Body("""{"id":"a1","title":"One"}"""), CancellationToken.None);
        await Sut.CreateAsync("page", Body("""{"featured":["a1"]}"""), CancellationToken.None);
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            Sut.CreateAsync("page", Body("""{"featured":["a1","missing"]}"""), CancellationToken.None)
        );
        Assert.Equal(("/featured/1", "relation"), (error.Errors[0].Path, error.Errors[0].Code));
    }

    [Fact]
    public async Task Should_keep_entries_of_other_types_out_of_reach()
    {
        await _fixture.Registry.CreateContentTypeAsync(Type("article", Field("title", FieldType.String)), CancellationToken.None);
        await _fixture.Registry.CreateContentTypeAsync(Type("note", Field("title", FieldType.String)), CancellationToken.None);
        await Sut.CreateAsync("article", Body("""{"id":"x1","title":"Article"}"""), CancellationToken.None);
        await Assert.ThrowsAsync<NotFoundException>(() => Sut.GetAsync("note", "x1", CancellationToken.None));
        var (_, page) = await Sut.ListAsync("note", new EntryListRequest(), CancellationToken.None);
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task Should_serve_single_types_at_their_own_address()
    {
        await _fixture.Registry.CreateContentTypeAsync(
            Type("homepage", Field("headline", FieldType.String)) with
            {
                Kind = ContentKind.Single,
            },
            CancellationToken.None
        );
        await Assert.ThrowsAsync<NotFoundException>(() => Sut.GetSingleAsync("homepage", CancellationToken.None));
        var (first, created) = await Sut.PutSingleAsync("homepage", Body("""{"headline":"Hi"}"""), null, CancellationToken.None);
        Assert.True(created);
        var (second, createdAgain) = await Sut.PutSingleAsync(
            "homepage",
            Body("""{"headline":"Hello"}"""),
            first.ETag,
            CancellationToken.None
        );
        Assert.False(createdAgain);
        Assert.Equal("homepage", second.Id);
        await Assert.ThrowsAsync<ConflictException>(() =>
            Sut.CreateAsync("homepage", Body("""{"headline":"x"}"""), CancellationToken.None)
        );
        await Assert.ThrowsAsync<ConflictException>(() => Sut.GetSingleAsync(CustomerProfile.TypeKey, CancellationToken.None));
    }

    [Fact]
    public async Task Should_accept_a_field_added_to_the_type_without_touching_stored_entries()
    {
        await Sut.CreateAsync(CustomerProfile.TypeKey, Body("""{"id":"old","email":"old@b.co"}"""), CancellationToken.None);
        var customer = (await _fixture.Registry.GetContentTypeAsync(CustomerProfile.TypeKey, CancellationToken.None)).Definition;
        await _fixture.Registry.ReplaceContentTypeAsync(
            CustomerProfile.TypeKey,
            customer with
            {
                Fields = [.. customer.Fields, Field("birthday", FieldType.DateTime) with { Indexed = true }],
            },
            null,
            CancellationToken.None
        );

        var created = await Sut.CreateAsync(
            CustomerProfile.TypeKey,
            Body("""{"id":"new","email":"new@b.co","birthday":"1990-05-01"}"""),
            CancellationToken.None
        );
        Assert.Equal(2, Read(created).GetProperty("schemaVersion").GetInt32());
        Assert.Equal(
            1,
            Read(await Sut.GetAsync(CustomerProfile.TypeKey, "old", CancellationToken.None)).GetProperty("schemaVersion").GetInt32()
        );
        await Sut.PatchAsync(CustomerProfile.TypeKey, "old", Body("""{"name":"Still works"}"""), null, CancellationToken.None);

        var (_, page) = await Sut.ListAsync(
            CustomerProfile.TypeKey,
            new EntryListRequest { Filters = [new RawFilter("birthday", "lt", "2000-01-01", "filter[birthday][lt]")] },
            CancellationToken.None
        );
        Assert.Equal("new", Assert.Single(page.Items).Id);
    }
}
