using System.Text.Json.Nodes;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Support;
using Cx.Core.Tests.Content;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Support;

/// <summary>
/// A database created before <c>interaction-event</c> had <c>externalIds</c>: the start-up step
/// (the registry's initialisation) adds the field to the stored built-in type, keeps everything
/// stored (an admin's own field and change included), moves the version on once, audits it, and
/// does nothing on the next start. Real SQLite file.
/// </summary>
public sealed class BuiltInTypeUpgradeTests : IAsyncLifetime
{
    private SqliteStoreFixture _store = null!;

    public async Task InitializeAsync() => _store = await SqliteStoreFixture.StartAsync();

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private ContentTypeRegistry StartRegistry(AuditLog? audit) =>
        new(
            _store.Store,
            _store.Time,
            Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 }),
            NullLogger<ContentTypeRegistry>.Instance,
            audit
        );

    private ValueTask<StoredDocument?> ReadStored() =>
        _store.Store.ReadAsync(
            Containers.Definitions,
            new DocumentKey(ContentTypeRegistry.ContentTypeDocument, SupportModel.InteractionType),
            CancellationToken.None
        );

    [Fact]
    public async Task Should_add_the_new_built_in_field_to_an_existing_database_once_keeping_every_stored_field()
    {
        // The old definition, as an earlier version of Cx stored it, after an admin's own changes.
        var builtIn = SupportModel.Interaction;
        var summary = builtIn.Fields.Single(f => f.Name == "summary");
        var old = builtIn with
        {
            Fields =
            [
                .. builtIn
                    .Fields.Where(f => f.Name != "externalIds")
                    .Select(f => f.Name == "summary" ? f with { Description = "Admin's words" } : f),
                new FieldDefinition
                {
                    Name = "mood",
                    Type = FieldType.String,
                    MaxLength = 20,
                },
            ],
            Version = 3,
        };
        var current = await ReadStored();
        await _store.Store.ReplaceAsync(
            Containers.Definitions,
            new DocumentWrite(
                SupportModel.InteractionType,
                ContentTypeRegistry.ContentTypeDocument,
                ContentTypeRegistry.ContentTypeDocument,
                DefinitionDocuments.ToJson(
                    old,
                    SupportModel.InteractionType,
                    ContentTypeRegistry.ContentTypeDocument,
                    "2026-01-01T00:00:00.000Z",
                    "2026-01-01T00:00:00.000Z"
                )
            ),
            current!.ETag,
            CancellationToken.None
        );
        using (var before = StartRegistry(null))
        {
            var schema = await before.GetSchemaAsync(SupportModel.InteractionType, CancellationToken.None);
            Assert.DoesNotContain(schema.Type.Fields, f => f.Name == "externalIds"); // the old database as it was
        }

        using var audit = new AuditLog(_store.Store, _store.Time, NullLogger<AuditLog>.Instance);
        await audit.InitializeAsync(CancellationToken.None);
        using (var upgraded = StartRegistry(audit))
        {
            await upgraded.InitializeAsync(CancellationToken.None);
            var type = (await upgraded.GetContentTypeAsync(SupportModel.InteractionType, CancellationToken.None)).Definition;
            Assert.Equal(4, type.Version);
            Assert.Equal([.. old.Fields.Select(f => f.Name), "externalIds"], type.Fields.Select(f => f.Name));
            Assert.Equal(builtIn.Fields.Single(f => f.Name == "externalIds"), type.Fields[^1]);
            Assert.Equal("Admin's words", type.Fields.Single(f => f.Name == "summary").Description);
            Assert.NotEqual("Admin's words", summary.Description);
            Assert.True(type.BuiltIn);
            var schema = await upgraded.GetSchemaAsync(SupportModel.InteractionType, CancellationToken.None);
            Assert.Contains(schema.Type.Fields, f => f.Name == "externalIds");
        }
        var afterUpgrade = await ReadStored();
        Assert.Equal("2026-01-01T00:00:00.000Z", JsonNode.Parse(afterUpgrade!.Json.Span)!["createdAt"]!.GetValue<string>());

        var entries = await audit.QueryAsync(
            [new RawFilter("action", "eq", ContentTypeRegistry.ContentTypeUpgraded, "action")],
            10,
            null,
            CancellationToken.None
        );
        var entry = JsonNode.Parse(Assert.Single(entries.Items).Json.Span)!;
        Assert.Equal(SupportModel.InteractionType, entry["targetId"]!.GetValue<string>());
        Assert.Equal("externalIds", entry["details"]!["added"]![0]!.GetValue<string>());
        Assert.Equal(4, entry["details"]!["version"]!.GetValue<int>());

        // The next start finds nothing to add: no write, no audit entry.
        using (var again = StartRegistry(audit))
        {
            await again.InitializeAsync(CancellationToken.None);
        }
        Assert.Equal(afterUpgrade.ETag, (await ReadStored())!.ETag);
        Assert.Single(
            (
                await audit.QueryAsync(
                    [new RawFilter("action", "eq", ContentTypeRegistry.ContentTypeUpgraded, "action")],
                    10,
                    null,
                    CancellationToken.None
                )
            ).Items
        );
    }
}
