using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Content;

/// <summary>
/// What the definition registries share (<see cref="DefinitionRegistry{TSnapshot}"/>): the paged load,
/// the cached snapshot with its time to live and invalidation, the route-key check and the no-op
/// replace. Event types stand for the cached registries, journeys for the one that keeps no cache.
/// </summary>
public sealed class DefinitionRegistryTests : IAsyncLifetime
{
    private const int CacheSeconds = 5;
    private SqliteStoreFixture _fixture = null!;
    private EventTypeRegistry _eventTypes = null!;
    private JourneyRegistry _journeys = null!;

    public async Task InitializeAsync()
    {
        _fixture = await SqliteStoreFixture.StartAsync();
        var cached = Options.Create(new ContentOptions { DefinitionCacheSeconds = CacheSeconds });
        _eventTypes = new EventTypeRegistry(_fixture.Store, _fixture.Time, cached, NullLogger<EventTypeRegistry>.Instance);
        _journeys = new JourneyRegistry(
            _fixture.Store,
            new FunnelService(Mock.Of<IEventOccurrenceReader>()),
            _fixture.Time,
            NullLogger<JourneyRegistry>.Instance
        );
    }

    public async Task DisposeAsync()
    {
        _eventTypes.Dispose();
        _journeys.Dispose();
        await _fixture.DisposeAsync();
    }

    private static EventTypeDefinition EventType(string key) => new() { Key = key, DisplayName = "Type " + key };

    private static JourneyDefinition Journey(string key) =>
        new()
        {
            Key = key,
            DisplayName = "Journey " + key,
            Stages = new JourneyStages
            {
                Awareness = new EquatableArray<string>(["page_view"]),
                Consideration = new EquatableArray<string>(["add_to_cart"]),
                Action = new EquatableArray<string>(["purchase"]),
            },
        };

    /// <summary>Writes a definition the way another instance would: straight to the store, behind this registry's back.</summary>
    private async Task WriteBehindAsync<T>(string documentType, string key, T definition)
        where T : class
    {
        var now = Instants.Format(_fixture.Time.GetUtcNow());
        await _fixture.Store.CreateAsync(
            Containers.Definitions,
            new DocumentWrite(key, documentType, documentType, DefinitionDocuments.ToJson(definition, key, documentType, now, now)),
            CancellationToken.None
        );
    }

    [Fact]
    public async Task Should_load_every_definition_when_there_are_more_than_one_page_of_them()
    {
        var count = EventTypeRegistry.LoadPageSize + 7;
        for (var i = 0; i < count; i++)
        {
            var key = $"type{i:D4}";
            await WriteBehindAsync(EventTypeRegistry.Document, key, EventType(key));
        }

        var all = await _eventTypes.GetAllAsync(CancellationToken.None);

        Assert.Equal(count, all.Count);
        Assert.Contains($"type{count - 1:D4}", all.Keys);
    }

    [Fact]
    public async Task Should_serve_the_cached_snapshot_until_its_time_to_live_has_passed()
    {
        Assert.Null(await _eventTypes.FindAsync("late", CancellationToken.None));
        await WriteBehindAsync(EventTypeRegistry.Document, "late", EventType("late"));

        _fixture.Time.Advance(TimeSpan.FromSeconds(CacheSeconds - 1));
        Assert.Null(await _eventTypes.FindAsync("late", CancellationToken.None));

        _fixture.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(await _eventTypes.FindAsync("late", CancellationToken.None));
    }

    [Fact]
    public async Task Should_see_its_own_saves_and_deletes_at_once()
    {
        Assert.Null(await _eventTypes.FindAsync("mine", CancellationToken.None));

        await _eventTypes.CreateAsync(EventType("mine"), CancellationToken.None);
        Assert.NotNull(await _eventTypes.FindAsync("mine", CancellationToken.None));

        await _eventTypes.DeleteAsync("mine", null, CancellationToken.None);
        Assert.Null(await _eventTypes.FindAsync("mine", CancellationToken.None));
    }

    [Fact]
    public async Task Should_read_journeys_from_the_store_every_time()
    {
        await WriteBehindAsync(JourneyRegistry.Document, "onboarding", Journey("onboarding"));

        Assert.Equal("Journey onboarding", (await _journeys.GetAsync("onboarding", CancellationToken.None)).Definition.DisplayName);
        Assert.Equal(["onboarding"], await _journeys.AllAsync(CancellationToken.None).Select(j => j.Key).ToListAsync());

        await WriteBehindAsync(JourneyRegistry.Document, "checkout", Journey("checkout"));
        Assert.Equal(["checkout", "onboarding"], await _journeys.AllAsync(CancellationToken.None).Select(j => j.Key).ToListAsync());
    }

    [Fact]
    public async Task Should_refuse_a_replace_whose_body_names_another_key_than_the_route()
    {
        await _eventTypes.CreateAsync(EventType("one"), CancellationToken.None);
        await _journeys.CreateAsync(Journey("one"), CancellationToken.None);

        var eventType = await Assert.ThrowsAsync<ValidationException>(() =>
            _eventTypes.ReplaceAsync("one", EventType("two"), null, CancellationToken.None)
        );
        var journey = await Assert.ThrowsAsync<ValidationException>(() =>
            _journeys.ReplaceAsync("one", Journey("two"), null, CancellationToken.None)
        );

        Assert.All([eventType, journey], e => Assert.Equal(("/key", "key-mismatch"), (e.Errors[0].Path, e.Errors[0].Code)));
        Assert.Null(await _eventTypes.FindAsync("two", CancellationToken.None));
    }

    [Fact]
    public async Task Should_write_nothing_and_keep_the_version_when_a_replace_changes_nothing()
    {
        var created = await _journeys.CreateAsync(Journey("same"), CancellationToken.None);
        var changed = await _journeys.ReplaceAsync("same", Journey("same") with { Description = "new" }, null, CancellationToken.None);
        await _fixture.DrainChangesAsync();

        var unchanged = await _journeys.ReplaceAsync("same", changed.Definition, changed.Document.ETag, CancellationToken.None);

        Assert.Equal((1, 2, 2), (created.Definition.Version, changed.Definition.Version, unchanged.Definition.Version));
        Assert.Equal(changed.Document.ETag, unchanged.Document.ETag);
        Assert.Equal(0, await _fixture.PendingChangesAsync());
    }

    [Fact]
    public async Task Should_refuse_a_replace_with_a_stale_etag()
    {
        var eventType = await _eventTypes.CreateAsync(EventType("tag"), CancellationToken.None);
        var journey = await _journeys.CreateAsync(Journey("tag"), CancellationToken.None);
        await _eventTypes.ReplaceAsync(
            "tag",
            EventType("tag") with
            {
                Description = "v2",
            },
            eventType.Document.ETag,
            CancellationToken.None
        );
        await _journeys.ReplaceAsync("tag", Journey("tag") with { Description = "v2" }, journey.Document.ETag, CancellationToken.None);

        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            _eventTypes.ReplaceAsync("tag", EventType("tag") with { Description = "v3" }, eventType.Document.ETag, CancellationToken.None)
        );
        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            _journeys.ReplaceAsync("tag", Journey("tag") with { Description = "v3" }, journey.Document.ETag, CancellationToken.None)
        );
    }
}
