using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;
using static Cx.Core.Tests.Content.SchemaBuilder;

namespace Cx.Core.Tests.Content;

public sealed class ContentTypeRegistryTests : IAsyncLifetime
{
    private SqliteStoreFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private ContentTypeRegistry Sut => _fixture.Registry;

    private static ContentType Article() =>
        Type(
            "article",
            Field("title", FieldType.String) with
            {
                Required = true,
            },
            Field("slug", FieldType.String) with
            {
                Unique = true,
                Indexed = true,
            }
        );

    [Fact]
    public async Task Should_create_builtin_definitions_once()
    {
        var customer = await Sut.GetContentTypeAsync(CustomerProfile.TypeKey, CancellationToken.None);
        Assert.True(customer.Definition.BuiltIn);
        await _fixture.DrainChangesAsync();
        await Sut.InitializeAsync(CancellationToken.None);
        Assert.Equal(0, await _fixture.PendingChangesAsync());
    }

    [Fact]
    public async Task Should_version_a_type_on_change_and_write_nothing_when_unchanged()
    {
        var created = await Sut.CreateContentTypeAsync(Article(), CancellationToken.None);
        Assert.Equal(1, created.Definition.Version);
        await _fixture.DrainChangesAsync();

        var same = await Sut.ReplaceContentTypeAsync("article", Article(), null, CancellationToken.None);
        Assert.Equal(created.Document.ETag, same.Document.ETag);
        Assert.Equal(0, await _fixture.PendingChangesAsync());

        var grown = Article() with { Fields = [.. Article().Fields, Field("body", FieldType.Text)] };
        var changed = await Sut.ReplaceContentTypeAsync("article", grown, created.Document.ETag, CancellationToken.None);
        Assert.Equal(2, changed.Definition.Version);
        Assert.Equal(1, await _fixture.PendingChangesAsync());
        Assert.Equal(2, (await Sut.GetSchemaAsync("article", CancellationToken.None)).Type.Version);
    }

    [Fact]
    public async Task Should_reject_a_stale_etag()
    {
        var created = await Sut.CreateContentTypeAsync(Article(), CancellationToken.None);
        await Sut.ReplaceContentTypeAsync("article", Article() with { Description = "v2" }, created.Document.ETag, CancellationToken.None);
        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            Sut.ReplaceContentTypeAsync("article", Article() with { Description = "v3" }, created.Document.ETag, CancellationToken.None)
        );
    }

    [Fact]
    public async Task Should_reject_a_duplicate_key_and_a_key_that_differs_from_the_route()
    {
        await Sut.CreateContentTypeAsync(Article(), CancellationToken.None);
        await Assert.ThrowsAsync<DocumentExistsException>(() => Sut.CreateContentTypeAsync(Article(), CancellationToken.None));
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            Sut.ReplaceContentTypeAsync("post", Article(), null, CancellationToken.None)
        );
        Assert.Equal("/key", error.Errors[0].Path);
    }

    [Fact]
    public async Task Should_refuse_to_delete_builtin_types_types_with_entries_and_types_others_point_to()
    {
        await Assert.ThrowsAsync<ConflictException>(() =>
            Sut.DeleteContentTypeAsync(CustomerProfile.TypeKey, null, CancellationToken.None)
        );

        await Sut.CreateContentTypeAsync(Article(), CancellationToken.None);
        var entry = await _fixture.Entries.CreateAsync(
            "article",
            new JsonObject { ["title"] = "Hi", ["slug"] = "hi" },
            CancellationToken.None
        );
        var hasEntries = await Assert.ThrowsAsync<ConflictException>(() =>
            Sut.DeleteContentTypeAsync("article", null, CancellationToken.None)
        );
        Assert.Equal("has-entries", hasEntries.Code);

        await _fixture.Entries.DeleteAsync("article", entry.Id, null, CancellationToken.None);
        await Sut.CreateContentTypeAsync(
            Type("page", Field("link", FieldType.Relation) with { Target = "article" }),
            CancellationToken.None
        );
        var inUse = await Assert.ThrowsAsync<ConflictException>(() => Sut.DeleteContentTypeAsync("article", null, CancellationToken.None));
        Assert.Equal("in-use", inUse.Code);

        await Sut.DeleteContentTypeAsync("page", null, CancellationToken.None);
        await Sut.DeleteContentTypeAsync("article", null, CancellationToken.None);
        await Assert.ThrowsAsync<NotFoundException>(() => Sut.GetSchemaAsync("article", CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Should_refuse_to_delete_a_component_in_use()
    {
        var error = await Assert.ThrowsAsync<ConflictException>(() =>
            Sut.DeleteComponentAsync(CustomerProfile.PreferencesComponent, null, CancellationToken.None)
        );
        Assert.Equal("built-in", error.Code);

        var seo = new ComponentDefinition
        {
            Key = "seo",
            DisplayName = "SEO",
            Fields = [Field("title", FieldType.String)],
        };
        await Sut.CreateComponentAsync(seo, CancellationToken.None);
        await Sut.CreateContentTypeAsync(
            Type("article", Field("seo", FieldType.Component) with { Component = "seo" }),
            CancellationToken.None
        );
        var inUse = await Assert.ThrowsAsync<ConflictException>(() => Sut.DeleteComponentAsync("seo", null, CancellationToken.None));
        Assert.Contains("article", inUse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_grow_a_component_and_make_its_indexed_fields_filterable()
    {
        var preferences = (await Sut.GetComponentAsync(CustomerProfile.PreferencesComponent, CancellationToken.None)).Definition;
        var grown = preferences with
        {
            Fields = [.. preferences.Fields, Field("theme", FieldType.Enumeration) with { Values = ["light", "dark"], Indexed = true }],
        };
        await Sut.ReplaceComponentAsync(preferences.Key, grown, null, CancellationToken.None);

        var schema = await Sut.GetSchemaAsync(CustomerProfile.TypeKey, CancellationToken.None);
        Assert.True(schema.Indexed.ContainsKey("preferences.theme"));
        var indexes = _fixture.Database.Read(session =>
        {
            var command = session.Command("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%preferences_theme%'");
            return (long)command.ExecuteScalar()!;
        });
        Assert.Equal(1, indexes);
    }
}
