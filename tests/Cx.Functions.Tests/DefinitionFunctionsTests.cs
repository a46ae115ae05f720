using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Functions.Content;
using static Cx.Functions.Tests.FunctionTestHost;

namespace Cx.Functions.Tests;

public sealed class DefinitionFunctionsTests
{
    private readonly FunctionTestHost _host = new();

    [Fact]
    public async Task Should_create_a_content_type_document_in_the_definitions_container()
    {
        DocumentWrite? written = null;
        _host
            .Store.Setup(s => s.CreateAsync(Containers.Definitions, It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Callback((string _, DocumentWrite w, CancellationToken _) => written = w)
            .Returns(
                (string _, DocumentWrite w, CancellationToken _) =>
                    ValueTask.FromResult(new StoredDocument(w.Id, w.PartitionKey, w.Type, "t1", w.Json))
            );
        _host
            .Store.Setup(s =>
                s.EnsureIndexesAsync(
                    Containers.Content,
                    "article",
                    It.IsAny<IReadOnlyList<Cx.Core.Rules.FieldPath>>(),
                    It.IsAny<CancellationToken>()
                )
            )
            .Returns(ValueTask.CompletedTask);

        var body = """{"key":"article","displayName":"Article","fields":[{"name":"slug","type":"string","indexed":true}]}""";
        var (status, headers, json) = await ExecuteAsync(
            await new ContentTypeFunctions(_host.Definitions).CreateContentType(Request(body), CancellationToken.None)
        );

        Assert.Equal(201, status);
        Assert.Equal("/api/v1/content-types/article", headers.Location.ToString());
        Assert.Equal(("article", "contentType"), (written!.Id, written.PartitionKey));
        Assert.Equal(1, Json(json).GetProperty("version").GetInt32());
        _host.Store.Verify(s =>
            s.EnsureIndexesAsync(
                Containers.Content,
                "article",
                It.Is<IReadOnlyList<Cx.Core.Rules.FieldPath>>(p => p.Any(f => f.Value == "slug")),
                It.IsAny<CancellationToken>()
            )
        );
    }

    [Fact]
    public async Task Should_point_at_a_misspelt_property_and_write_nothing()
    {
        var body = """{"key":"article","displayName":"Article","fields":[{"name":"slug","type":"string","requried":true}]}""";
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new ContentTypeFunctions(_host.Definitions).CreateContentType(Request(body), CancellationToken.None)
        );
        Assert.Equal("/fields/0/requried", error.Errors[0].Path);
        _host.Store.Verify(s => s.CreateAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Should_read_a_builtin_component()
    {
        var result = await new ComponentFunctions(_host.Definitions).GetComponent(Request(), "preferences", CancellationToken.None);
        var (status, headers, json) = await ExecuteAsync(result);
        Assert.Equal(200, status);
        Assert.Equal("\"d-preferences\"", headers.ETag.ToString());
        Assert.Equal("preferences", Json(json).GetProperty("key").GetString());
    }

    [Fact]
    public async Task Should_throw_not_found_for_an_unknown_content_type_entry_list()
    {
        await Assert.ThrowsAsync<NotFoundException>(() =>
            new ContentEntryFunctions(new Cx.Http.Content.ContentEndpoints(_host.Entries)).ListEntries(
                Request(),
                "nothing",
                CancellationToken.None
            )
        );
    }
}
