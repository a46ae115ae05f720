using System.Text;
using Cx.Core.Documents;
using Cx.Core.Tests.Content;
using Cx.Embedded.Sqlite;

namespace Cx.Core.Tests.Embedded;

/// <summary>
/// Concurrent writes to the embedded store are committed together (group commit): each still
/// succeeds or fails on its own, and nothing of a failed write is stored.
/// </summary>
public sealed class SqliteGroupCommitTests
{
    private static DocumentWrite Item(string id, string body) =>
        new(id, "widgets", "widget", Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","type":"widget","body":"{{body}}"}"""));

    [Fact]
    public async Task Should_commit_many_concurrent_writes_each_with_its_own_outcome()
    {
        await using var fixture = await SqliteStoreFixture.StartAsync();
        var store = fixture.Store;
        for (var i = 0; i < 200; i++)
        {
            await store.CreateAsync(Containers.Content, Item($"w{i}", "v1"), CancellationToken.None);
        }
        var stale = new Dictionary<int, string>();
        for (var i = 0; i < 200; i++)
        {
            stale[i] = (await store.ReadAsync(Containers.Content, new DocumentKey("widgets", $"w{i}"), CancellationToken.None))!.ETag;
        }
        // Every third item changes first, so its stale ETag must fail below.
        for (var i = 0; i < 200; i += 3)
        {
            await store.ReplaceAsync(Containers.Content, Item($"w{i}", "changed"), null, CancellationToken.None);
        }

        var writes = Enumerable
            .Range(0, 200)
            .Select(i =>
                Task.Run(async () => await store.ReplaceAsync(Containers.Content, Item($"w{i}", "v2"), stale[i], CancellationToken.None))
            )
            .ToList();
        var creates = Enumerable
            .Range(0, 50)
            .Select(i =>
                Task.Run(async () => await store.CreateAsync(Containers.Content, Item($"n{i % 25}", "new"), CancellationToken.None))
            )
            .ToList();
        await Task.WhenAll(writes.Concat<Task>(creates).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        for (var i = 0; i < 200; i++)
        {
            var stored = await store.ReadAsync(Containers.Content, new DocumentKey("widgets", $"w{i}"), CancellationToken.None);
            if (i % 3 == 0)
            {
                Assert.IsType<ETagMismatchException>(writes[i].Exception!.InnerException);
                Assert.Contains("\"changed\"", Encoding.UTF8.GetString(stored!.Json.Span), StringComparison.Ordinal);
            }
            else
            {
                Assert.True(writes[i].IsCompletedSuccessfully, writes[i].Exception?.ToString());
                Assert.Equal(stored!.ETag, (await writes[i]).ETag);
                Assert.Contains("\"v2\"", Encoding.UTF8.GetString(stored.Json.Span), StringComparison.Ordinal);
            }
        }
        // Two creates per id race: exactly one of each pair wins, the other sees the document exists.
        Assert.Equal(25, creates.Count(c => c.IsCompletedSuccessfully));
        Assert.All(
            creates.Where(c => !c.IsCompletedSuccessfully),
            c => Assert.IsType<DocumentExistsException>(c.Exception!.InnerException)
        );
    }

    [Fact]
    public async Task Should_put_every_committed_write_on_the_change_feed_once()
    {
        await using var fixture = await SqliteStoreFixture.StartAsync();
        await fixture.DrainChangesAsync();

        await Task.WhenAll(
            Enumerable
                .Range(0, 300)
                .Select(i =>
                    Task.Run(async () => await fixture.Store.CreateAsync(Containers.Content, Item($"f{i}", "x"), CancellationToken.None))
                )
        );

        Assert.Equal(300, await fixture.PendingChangesAsync());
    }

    [Fact]
    public async Task Should_not_run_a_write_whose_caller_gave_up_before_it_started()
    {
        await using var fixture = await SqliteStoreFixture.StartAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            fixture.Store.CreateAsync(Containers.Content, Item("gone", "x"), cancelled.Token).AsTask()
        );

        Assert.Null(await fixture.Store.ReadAsync(Containers.Content, new DocumentKey("widgets", "gone"), CancellationToken.None));
    }

    [Fact]
    public async Task Should_roll_back_the_whole_of_a_failed_write_inside_a_group()
    {
        await using var fixture = await SqliteStoreFixture.StartAsync();
        var store = fixture.Store;
        static DocumentWrite Owned(string id, string email) =>
            Item(id, email) with
            {
                UniqueValues = [new UniqueValue("widget.email", email)],
            };
        await store.CreateAsync(Containers.Content, Owned("a", "a@example.com"), CancellationToken.None);
        await store.CreateAsync(Containers.Content, Owned("b", "b@example.com"), CancellationToken.None);

        // B tries to take A's value: it first lets go of its own, then fails to claim A's. Other
        // writes run in the same groups around it.
        var others = Enumerable
            .Range(0, 100)
            .Select(i => Task.Run(async () => await store.CreateAsync(Containers.Content, Item($"o{i}", "x"), CancellationToken.None)))
            .ToList();
        var steal = Task.Run(async () =>
            await store.ReplaceAsync(Containers.Content, Owned("b", "a@example.com"), null, CancellationToken.None)
        );
        await Task.WhenAll(others);
        await Assert.ThrowsAsync<UniqueValueTakenException>(() => steal);

        // B still owns its value: nothing of the failed write was kept.
        await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            store.CreateAsync(Containers.Content, Owned("c", "b@example.com"), CancellationToken.None).AsTask()
        );
        var b = await store.ReadAsync(Containers.Content, new DocumentKey("widgets", "b"), CancellationToken.None);
        Assert.Contains("b@example.com", Encoding.UTF8.GetString(b!.Json.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_run_a_solo_write_alone_and_roll_back_a_failed_first_write_without_touching_the_next()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cx-group-" + Guid.NewGuid().ToString("n"));
        var database = new SqliteDatabase(
            Microsoft.Extensions.Options.Options.Create(new SqliteOptions { Path = Path.Combine(folder, "cx.db") })
        );
        try
        {
            await database.ExecuteSchemaAsync("CREATE TABLE t (k TEXT PRIMARY KEY)", CancellationToken.None);
            var transactions = new System.Collections.Concurrent.ConcurrentDictionary<string, object>();
            Func<SqliteSession, Microsoft.Data.Sqlite.SqliteTransaction, int> Insert(string key, bool fail = false) =>
                (session, transaction) =>
                {
                    transactions[key] = transaction;
                    var command = session.Command("INSERT INTO t (k) VALUES ($k)");
                    command.Parameters.AddWithValue("$k", key);
                    command.ExecuteNonQuery();
                    return fail ? throw new InvalidOperationException(key) : 1;
                };

            // The first write holds the writer until every other write is queued behind it, in this order.
            using var holding = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var first = Task.Run(() =>
                database.WriteAsync(
                    (session, transaction) =>
                    {
                        holding.Set();
                        release.Wait();
                        return Insert("w0")(session, transaction);
                    },
                    CancellationToken.None,
                    solo: true
                )
            );
            holding.Wait();
            var failed = database.WriteAsync(Insert("f", fail: true), CancellationToken.None);
            var g1 = database.WriteAsync(Insert("g1"), CancellationToken.None);
            var g2 = database.WriteAsync(Insert("g2"), CancellationToken.None);
            var solo = database.WriteAsync(Insert("s"), CancellationToken.None, solo: true);
            var g3 = database.WriteAsync(Insert("g3"), CancellationToken.None);
            release.Set();

            await Task.WhenAll(first, g1, g2, solo, g3);
            Assert.Equal("f", (await Assert.ThrowsAsync<InvalidOperationException>(() => failed)).Message);
            var stored = database.Read(session =>
            {
                var keys = new List<string>();
                using var reader = session.Command("SELECT k FROM t ORDER BY k").ExecuteReader();
                while (reader.Read())
                {
                    keys.Add(reader.GetString(0));
                }
                return keys;
            });
            Assert.Equal(["g1", "g2", "g3", "s", "w0"], stored);
            // The failed write ran first in its own transaction; the writes after it shared the next one,
            // the solo write had one to itself, and the write queued after it started another.
            Assert.NotSame(transactions["w0"], transactions["f"]);
            Assert.Same(transactions["g1"], transactions["g2"]);
            Assert.NotSame(transactions["g2"], transactions["s"]);
            Assert.NotSame(transactions["s"], transactions["g3"]);
        }
        finally
        {
            database.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
