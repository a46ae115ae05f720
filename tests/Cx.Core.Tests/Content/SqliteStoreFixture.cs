using Cx.Core.Content;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Content;

/// <summary>The content services over a real SQLite file in a temporary folder.</summary>
public sealed class SqliteStoreFixture : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-core-tests", Guid.NewGuid().ToString("n"));

    private SqliteStoreFixture()
    {
        Directory.CreateDirectory(_directory);
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var sqliteOptions = Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "cx.db") });
        Database = new SqliteDatabase(sqliteOptions);
        Store = new SqliteDocumentStore(Database, Time);
        Feed = new SqliteChangeFeed(Database, Time, sqliteOptions);
        var contentOptions = Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 });
        Registry = new ContentTypeRegistry(Store, Time, contentOptions, NullLogger<ContentTypeRegistry>.Instance);
        Entries = new EntryService(Registry, Store, Time, contentOptions);
    }

    public FakeTimeProvider Time { get; }

    public SqliteDatabase Database { get; }

    public SqliteDocumentStore Store { get; }

    public SqliteChangeFeed Feed { get; }

    public ContentTypeRegistry Registry { get; }

    public EntryService Entries { get; }

    public static async Task<SqliteStoreFixture> StartAsync()
    {
        var fixture = new SqliteStoreFixture();
        await fixture.Store.InitializeAsync(CancellationToken.None);
        await fixture.Registry.InitializeAsync(CancellationToken.None);
        return fixture;
    }

    /// <summary>How many changes the feed holds after the consumer's checkpoint (without committing).</summary>
    public async Task<int> PendingChangesAsync(string consumer = "test") =>
        (await Feed.ReadAsync(consumer, 10_000, CancellationToken.None)).Changes.Count;

    public async Task DrainChangesAsync(string consumer = "test")
    {
        var batch = await Feed.ReadAsync(consumer, 10_000, CancellationToken.None);
        await Feed.CommitAsync(consumer, batch.Checkpoint, CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        Registry.Dispose();
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
        return ValueTask.CompletedTask;
    }
}
