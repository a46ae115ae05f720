using Cx.Core.Documents;
using Cx.Embedded.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Integration.Tests.Contracts;

/// <summary>A fresh SQLite store in a temporary file, deleted afterwards.</summary>
public sealed class SqliteTestStore : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-contracts", Guid.NewGuid().ToString("n"));
    private readonly SqliteDatabase _database;

    public SqliteTestStore()
    {
        Directory.CreateDirectory(_directory);
        var options = Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "cx.db") });
        _database = new SqliteDatabase(options);
        Store = new SqliteDocumentStore(_database, Time);
        Feed = new SqliteChangeFeed(_database, Time, options);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    public SqliteDocumentStore Store { get; }

    public SqliteChangeFeed Feed { get; }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow shutdown; the OS temp folder is cleaned eventually.
        }
    }
}

public sealed class SqliteDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly SqliteTestStore _sqlite = new();

    protected override IDocumentStore Store => _sqlite.Store;

    protected override IChangeFeed Feed => _sqlite.Feed;

    public void Dispose() => _sqlite.Dispose();

    /// <summary>Stronger than the contract: the SQLite change log keeps every version, with the body before it.</summary>
    [Fact]
    public async Task Should_deliver_every_write_with_its_previous_body()
    {
        var v1 = await Store.CreateAsync(Container, Note("a", "p1", """{"v":1}"""), default);
        var v2 = await Store.ReplaceAsync(Container, Note("a", "p1", """{"v":2}"""), null, default);
        await Store.DeleteAsync(Container, v2.Key, null, default);

        var changes = (await Feed.ReadAsync("hooks", 100, default)).Changes;

        Assert.Equal([ChangeKind.Upsert, ChangeKind.Upsert, ChangeKind.Delete], changes.Select(ch => ch.Kind));
        Assert.Equal([v1.ETag, v2.ETag, v2.ETag], changes.Select(ch => ch.ETag));
        Assert.Null(changes[0].Before);
        AssertJson(Body("a", """{"v":1}"""), changes[1].Before!.Value);
        AssertJson(Body("a", """{"v":2}"""), changes[2].Before!.Value);
    }
}

public sealed class SqliteChangeFeedResumeContractTests : ChangeFeedResumeContract, IDisposable
{
    private readonly SqliteTestStore _sqlite = new();

    protected override IDocumentStore Store => _sqlite.Store;

    protected override IChangeFeed Feed => _sqlite.Feed;

    public void Dispose() => _sqlite.Dispose();
}

public sealed class SqliteDocumentQueryContractTests : DocumentQueryContract, IDisposable
{
    private readonly SqliteTestStore _sqlite = new();

    protected override IDocumentStore Store => _sqlite.Store;

    public void Dispose() => _sqlite.Dispose();
}
