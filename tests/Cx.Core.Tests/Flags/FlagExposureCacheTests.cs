using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Flags;
using Cx.Embedded.Sqlite;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Flags;

/// <summary>
/// The exposure cache (ADR 0475) alone, then behind <see cref="FlagRegistry"/> over a real SQLite
/// store wrapped in <see cref="ExposureSignallingDocumentStore"/>: a unit is read once until a write
/// of its exposure document, and a write that lands while the store is read is never hidden.
/// </summary>
public sealed class FlagExposureCacheTests : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-core-tests", Guid.NewGuid().ToString("n"));
    private SqliteDatabase? _database;

    public ValueTask DisposeAsync()
    {
        _database?.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
        return ValueTask.CompletedTask;
    }

    private static FlagExposureCache Cache(int units = 100) => new(Options.Create(new FlagOptions { ExposureCacheUnits = units }));

    private static Dictionary<string, string> Placed(string flag, string variation) => new(StringComparer.Ordinal) { [flag] = variation };

    /// <summary>A store read that counts its calls and answers what <paramref name="current"/> holds now.</summary>
    private static Func<string, CancellationToken, Task<(IReadOnlyDictionary<string, string>, string?)>> Reader(
        int[] calls,
        Func<(IReadOnlyDictionary<string, string>, string?)> current
    ) =>
        (_, _) =>
        {
            Interlocked.Increment(ref calls[0]);
            return Task.FromResult(current());
        };

    [Fact]
    public async Task Should_read_a_unit_once_until_a_write_of_it_is_reported()
    {
        var sut = Cache();
        var calls = new int[1];
        (IReadOnlyDictionary<string, string>, string?) stored = (Placed("f", "on"), "e1");
        var read = Reader(calls, () => stored);

        Assert.Equal("e1", (await sut.GetOrReadAsync("u1", read, CancellationToken.None)).ETag);
        Assert.Equal("e1", (await sut.GetOrReadAsync("u1", read, CancellationToken.None)).ETag);
        Assert.Equal(1, calls[0]);

        sut.Written("u2"); // another unit's write leaves u1 alone
        Assert.Equal("e1", (await sut.GetOrReadAsync("u1", read, CancellationToken.None)).ETag);
        Assert.Equal(1, calls[0]);

        stored = (Placed("f", "off"), "e2");
        sut.Written("u1");
        var (exposures, etag) = await sut.GetOrReadAsync("u1", read, CancellationToken.None);
        Assert.Equal(("off", "e2", 2), (exposures["f"], etag, calls[0]));
        Assert.Equal("e2", (await sut.GetOrReadAsync("u1", read, CancellationToken.None)).ETag);
        Assert.Equal(2, calls[0]);
    }

    [Fact]
    public async Task Should_cache_a_unit_without_a_document_until_its_first_write()
    {
        var sut = Cache();
        var calls = new int[1];
        (IReadOnlyDictionary<string, string>, string?) stored = (new Dictionary<string, string>(), null);
        var read = Reader(calls, () => stored);

        Assert.Null((await sut.GetOrReadAsync("u1", read, CancellationToken.None)).ETag);
        Assert.Empty((await sut.GetOrReadAsync("u1", read, CancellationToken.None)).Exposures);
        Assert.Equal(1, calls[0]);

        stored = (Placed("f", "on"), "e1");
        sut.Written("u1");
        Assert.Equal("on", (await sut.GetOrReadAsync("u1", read, CancellationToken.None)).Exposures["f"]);
        Assert.Equal(2, calls[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_never_keep_a_document_read_before_a_write_that_returned_while_it_was_read(bool seenBefore)
    {
        var sut = Cache();
        var calls = new int[1];
        if (seenBefore)
        {
            sut.Written("u1"); // a marker is there when the read starts (not only an empty slot)
        }
        // The store answers the old document, and the write commits and is reported before the read returns.
        var stale = await sut.GetOrReadAsync(
            "u1",
            (_, _) =>
            {
                calls[0]++;
                sut.Written("u1");
                return Task.FromResult<(IReadOnlyDictionary<string, string>, string?)>((new Dictionary<string, string>(), null));
            },
            CancellationToken.None
        );
        Assert.Null(stale.ETag);

        var fresh = await sut.GetOrReadAsync("u1", Reader(calls, () => (Placed("f", "on"), "e1")), CancellationToken.None);
        Assert.Equal(("on", "e1", 2), (fresh.Exposures["f"], fresh.ETag, calls[0]));
    }

    [Fact]
    public async Task Should_not_keep_a_read_that_raced_a_write_and_an_emptying_of_the_cache()
    {
        var sut = Cache();
        var calls = new int[1];
        await sut.GetOrReadAsync(
            "u1",
            (_, _) =>
            {
                calls[0]++;
                sut.Written("u1"); // the write's marker ...
                sut.Clear(); // ... is emptied away before the old document reaches the cache
                return Task.FromResult<(IReadOnlyDictionary<string, string>, string?)>((Placed("f", "old"), "e0"));
            },
            CancellationToken.None
        );

        var fresh = await sut.GetOrReadAsync("u1", Reader(calls, () => (Placed("f", "new"), "e1")), CancellationToken.None);
        Assert.Equal(("new", 2), (fresh.Exposures["f"], calls[0]));
    }

    [Fact]
    public async Task Should_read_the_store_every_time_when_off()
    {
        var sut = Cache(units: 0);
        var calls = new int[1];
        var read = Reader(calls, () => (Placed("f", "on"), "e1"));
        await sut.GetOrReadAsync("u1", read, CancellationToken.None);
        await sut.GetOrReadAsync("u1", read, CancellationToken.None);
        Assert.Equal((2, 0), (calls[0], sut.Count));
    }

    [Fact]
    public async Task Should_stay_within_its_capacity_and_still_answer_what_is_stored()
    {
        var sut = Cache(units: 3);
        var calls = new int[1];
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                var unit = "u" + i;
                var (exposures, _) = await sut.GetOrReadAsync(unit, Reader(calls, () => (Placed("f", unit), "e")), CancellationToken.None);
                Assert.Equal(unit, exposures["f"]);
                Assert.InRange(sut.Count, 0, 3);
            }
        }
        Assert.Equal(30, calls[0]); // ten units cycling through three slots: every read misses
    }

    /// <summary>The registry over SQLite, every store read counted, behind the signalling store as the host registers it.</summary>
    private async Task<(FlagRegistry Registry, IDocumentStore Store, Mock<IDocumentStore> Counted)> RegistryAsync()
    {
        Directory.CreateDirectory(_directory);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 6, 0, 0, TimeSpan.Zero));
        _database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "cx.db") }));
        var sqlite = new SqliteDocumentStore(_database, time);
        await sqlite.InitializeAsync(CancellationToken.None);
        var counted = new Mock<IDocumentStore>(MockBehavior.Strict);
        counted
            .Setup(s => s.ReadAsync(It.IsAny<string>(), It.IsAny<DocumentKey>(), It.IsAny<CancellationToken>()))
            .Returns((string c, DocumentKey k, CancellationToken t) => sqlite.ReadAsync(c, k, t));
        counted
            .Setup(s => s.CreateAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Returns((string c, DocumentWrite d, CancellationToken t) => sqlite.CreateAsync(c, d, t));
        counted
            .Setup(s => s.ReplaceAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string c, DocumentWrite d, string? m, CancellationToken t) => sqlite.ReplaceAsync(c, d, m, t));
        counted
            .Setup(s => s.DeleteAsync(It.IsAny<string>(), It.IsAny<DocumentKey>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string c, DocumentKey k, string? m, CancellationToken t) => sqlite.DeleteAsync(c, k, m, t));
        var cache = Cache();
        var store = new ExposureSignallingDocumentStore(counted.Object, cache);
        var registry = new FlagRegistry(store, time, Options.Create(new ContentOptions()), cache);
        return (registry, store, counted);
    }

    private static int Reads(Mock<IDocumentStore> counted) =>
        counted.Invocations.Count(i => i.Method.Name == nameof(IDocumentStore.ReadAsync));

    [Fact]
    public async Task Should_see_every_write_of_the_exposure_document_on_the_next_read_over_sqlite()
    {
        var (registry, store, counted) = await RegistryAsync();

        // No document yet: read once, then served from memory.
        Assert.Null((await registry.ReadExposuresAsync("u1", CancellationToken.None)).ETag);
        Assert.Null((await registry.ReadExposuresAsync("u1", CancellationToken.None)).ETag);
        Assert.Equal(1, Reads(counted));

        // The first placement (created): the next read sees it, and the one after is from memory again.
        await registry.RecordExposuresAsync("u1", [("a", "on", 1)], null, CancellationToken.None);
        var (first, etag) = await registry.ReadExposuresAsync("u1", CancellationToken.None);
        Assert.Equal(("on", 2), (first["a"], Reads(counted)));
        Assert.NotNull(etag);
        Assert.Equal(etag, (await registry.ReadExposuresAsync("u1", CancellationToken.None)).ETag);
        Assert.Equal(2, Reads(counted));

        // Another unit's placement leaves u1 in memory.
        await registry.RecordExposuresAsync("u2", [("a", "off", 1)], null, CancellationToken.None);
        Assert.Equal("on", (await registry.ReadExposuresAsync("u1", CancellationToken.None)).Exposures["a"]);
        Assert.Equal(2, Reads(counted));

        // A second placement (replaced under the ETag; its own read of the document counts too).
        await registry.RecordExposuresAsync("u1", [("b", "off", 3)], etag, CancellationToken.None);
        var readsAfterWrite = Reads(counted);
        var (second, secondTag) = await registry.ReadExposuresAsync("u1", CancellationToken.None);
        Assert.Equal(("on", "off", readsAfterWrite + 1), (second["a"], second["b"], Reads(counted)));
        Assert.NotEqual(etag, secondTag);

        // Any other write path through the store counts as well: the document deleted (as an erasure would).
        await store.DeleteAsync(
            Containers.Definitions,
            new DocumentKey(FlagDocuments.ExposurePartition("u1"), "exposures"),
            null,
            CancellationToken.None
        );
        Assert.Empty((await registry.ReadExposuresAsync("u1", CancellationToken.None)).Exposures);
    }

    [Fact]
    public async Task Should_see_a_placement_stored_by_a_racing_request_when_its_own_write_loses()
    {
        var (registry, _, _) = await RegistryAsync();
        Assert.Empty((await registry.ReadExposuresAsync("u1", CancellationToken.None)).Exposures);

        // Another request stores 'on' first; this one read 'no document' and tries to create it with 'off'.
        await registry.RecordExposuresAsync("u1", [("a", "on", 1)], null, CancellationToken.None);
        var stored = await registry.RecordExposuresAsync("u1", [("a", "off", 1)], null, CancellationToken.None);

        Assert.Equal("on", stored["a"]); // the first placement wins ...
        Assert.Equal("on", (await registry.ReadExposuresAsync("u1", CancellationToken.None)).Exposures["a"]); // ... and is what is read next
    }

    [Fact]
    public void Should_wrap_the_registered_store_and_be_registered_with_sqlite_storage_only()
    {
        var configuration = new ConfigurationBuilder().Build();
        var inner = Mock.Of<IDocumentStore>();
        using var services = new ServiceCollection()
            .AddSingleton(inner)
            .AddCxFlagExposureCache(configuration)
            .AddCxFlagExposureCache(configuration) // idempotent: wrapped once
            .BuildServiceProvider();
        var store = Assert.IsType<ExposureSignallingDocumentStore>(services.GetRequiredService<IDocumentStore>());
        Assert.Same(inner, store.Inner);
        Assert.Equal(10_000, services.GetRequiredService<FlagExposureCache>().Capacity);

        static IServiceCollection Host(string storage) =>
            new ServiceCollection().AddCx(
                new ConfigurationBuilder()
                    .AddInMemoryCollection(
                        new Dictionary<string, string?> { ["Cx:Storage:Provider"] = storage, ["Cx:Analytics:Provider"] = "Embedded" }
                    )
                    .Build()
            );
        Assert.Contains(Host("Sqlite"), d => d.ServiceType == typeof(FlagExposureCache));
        Assert.DoesNotContain(Host("Cosmos"), d => d.ServiceType == typeof(FlagExposureCache));
    }
}
