using System.Text;
using Cx.Core.Queues;
using Cx.Embedded.Queues;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Queues;

/// <summary>
/// The embedded work queue on a real SQLite file: idempotent enqueue, one message per key at a
/// time in order, leases that come back after a crash, delayed retries that hold the key back,
/// and dead letters after the retry policy's attempts, through the hosted consumer's own code.
/// </summary>
public sealed class SqliteWorkQueueTests : IDisposable
{
    private const string Queue = "work";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-queue-tests", Guid.NewGuid().ToString("n"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> _open = [];

    private (SqliteDatabase Database, SqliteWorkQueue Queue) CreateSut()
    {
        var database = new SqliteDatabase(Options.Create(new SqliteOptions { Path = Path.Combine(_folder, "cx.db") }));
        var queue = new SqliteWorkQueue(database, _time, Options.Create(new WorkQueueOptions()));
        _open.Add(queue);
        _open.Add(database);
        return (database, queue);
    }

    public void Dispose()
    {
        foreach (var item in _open)
        {
            item.Dispose();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }

    private static QueueMessage Message(string id, string key, DateTimeOffset? notBefore = null) =>
        new(id, key, Encoding.UTF8.GetBytes($"body of {id}"), notBefore);

    private static async Task<IReadOnlyList<QueueDelivery>> Receive(IWorkQueue queue, int max = 100) =>
        await queue.ReceiveAsync(Queue, max, Lease, CancellationToken.None);

    [Fact]
    public async Task Should_drop_a_message_whose_id_the_queue_already_knows()
    {
        var (_, queue) = CreateSut();
        await queue.EnqueueAsync(Queue, [Message("m1", "a"), Message("m1", "a")], CancellationToken.None);
        await queue.EnqueueAsync(Queue, [Message("m1", "b")], CancellationToken.None);

        var first = await Receive(queue);
        Assert.Equal("m1", Assert.Single(first).MessageId);
        Assert.Equal("body of m1", Encoding.UTF8.GetString(first[0].Body.Span));
        await first[0].CompleteAsync(CancellationToken.None);
        // Completed, and enqueued again within the duplicate window: still dropped.
        await queue.EnqueueAsync(Queue, [Message("m1", "a")], CancellationToken.None);

        Assert.Empty(await Receive(queue));
    }

    [Fact]
    public async Task Should_hand_out_one_message_per_key_at_a_time_oldest_first()
    {
        var (_, queue) = CreateSut();
        await queue.EnqueueAsync(
            Queue,
            [Message("a1", "a"), Message("b1", "b"), Message("a2", "a"), Message("a3", "a")],
            CancellationToken.None
        );
        await queue.EnqueueAsync(Queue, [Message("b2", "b")], CancellationToken.None);

        var first = await Receive(queue);
        Assert.Equal(["a1", "b1"], first.Select(d => d.MessageId).Order());
        Assert.Empty(await Receive(queue)); // both keys are leased

        await first.Single(d => d.MessageId == "a1").CompleteAsync(CancellationToken.None);
        var second = await Receive(queue);
        Assert.Equal("a2", Assert.Single(second).MessageId);

        var order = new List<string> { "a1", "b1", "a2" };
        await first.Single(d => d.MessageId == "b1").CompleteAsync(CancellationToken.None);
        await second[0].CompleteAsync(CancellationToken.None);
        while ((await Receive(queue)) is { Count: > 0 } batch)
        {
            foreach (var delivery in batch)
            {
                order.Add(delivery.MessageId);
                await delivery.CompleteAsync(CancellationToken.None);
            }
        }
        Assert.Equal(["a1", "a2", "a3"], order.Where(id => id[0] == 'a'));
        Assert.Equal(["b1", "b2"], order.Where(id => id[0] == 'b'));
    }

    [Fact]
    public async Task Should_hold_the_key_back_until_an_abandoned_message_is_due_again()
    {
        var (_, queue) = CreateSut();
        await queue.EnqueueAsync(Queue, [Message("a1", "a"), Message("a2", "a"), Message("b1", "b")], CancellationToken.None);
        var first = await Receive(queue);
        await first.Single(d => d.MessageId == "a1").AbandonAsync(TimeSpan.FromMinutes(5), "receiver down", CancellationToken.None);
        await first.Single(d => d.MessageId == "b1").CompleteAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(await Receive(queue)); // a2 must not overtake a1

        _time.Advance(TimeSpan.FromMinutes(1));
        var retry = Assert.Single(await Receive(queue));
        Assert.Equal("a1", retry.MessageId);
        Assert.Equal(2, retry.Attempt);
    }

    [Fact]
    public async Task Should_not_deliver_a_message_before_its_not_before_time()
    {
        var (_, queue) = CreateSut();
        await queue.EnqueueAsync(Queue, [Message("later", "a", _time.GetUtcNow().AddSeconds(10))], CancellationToken.None);
        Assert.Empty(await Receive(queue));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("later", Assert.Single(await Receive(queue)).MessageId);
    }

    [Fact]
    public async Task Should_lose_no_acknowledged_message_when_the_process_dies_with_messages_leased()
    {
        var (database, queue) = CreateSut();
        var all = Enumerable.Range(0, 60).Select(i => Message($"m{i:D2}", $"k{i % 6}")).ToList();
        foreach (var chunk in all.Chunk(7))
        {
            await queue.EnqueueAsync(Queue, chunk, CancellationToken.None);
        }
        var completed = new HashSet<string>();
        var leased = await Receive(queue);
        foreach (var delivery in leased.Take(3))
        {
            await delivery.CompleteAsync(CancellationToken.None);
            completed.Add(delivery.MessageId);
        }
        var held = await Receive(queue); // the three completed keys move on; the others stay leased
        Assert.Equal(3, held.Count);

        // The process dies: nothing is settled, the connections just go away.
        queue.Dispose();
        database.Dispose();
        _open.Clear();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var (_, restarted) = CreateSut();
        Assert.Empty(await Receive(restarted)); // the leases still hold
        _time.Advance(Lease);
        var seen = new List<QueueDelivery>();
        while ((await Receive(restarted)) is { Count: > 0 } batch)
        {
            foreach (var delivery in batch)
            {
                seen.Add(delivery);
                await delivery.CompleteAsync(CancellationToken.None);
            }
        }
        Assert.Equal(all.Select(m => m.Id).Except(completed).Order(), seen.Select(d => d.MessageId).Order());
        // Per key, still in enqueue order, and the ones that were leased come back as second attempts.
        foreach (var key in seen.GroupBy(d => d.PartitionKey))
        {
            Assert.Equal(key.Select(d => d.MessageId).Order(StringComparer.Ordinal), key.Select(d => d.MessageId));
        }
        Assert.Equal(6, seen.Count(d => d.Attempt == 2));
    }

    [Fact]
    public async Task Should_refuse_to_settle_under_a_lease_that_ran_out_and_went_to_another_consumer()
    {
        var (_, queue) = CreateSut();
        await queue.EnqueueAsync(Queue, [Message("a1", "a"), Message("a2", "a")], CancellationToken.None);
        var stale = Assert.Single(await Receive(queue));
        _time.Advance(Lease);
        var current = Assert.Single(await Receive(queue));

        await Assert.ThrowsAsync<QueueLeaseLostException>(async () => await stale.CompleteAsync(CancellationToken.None));
        await Assert.ThrowsAsync<QueueLeaseLostException>(async () => await stale.DeadLetterAsync("late", CancellationToken.None));
        Assert.Empty(await Receive(queue)); // the stale settle moved nothing on
        await current.CompleteAsync(CancellationToken.None);
        Assert.Equal("a2", Assert.Single(await Receive(queue)).MessageId);
    }

    [Fact]
    public async Task Should_dead_letter_after_the_policy_attempts_and_move_the_key_on()
    {
        var (_, queue) = CreateSut();
        var handler = new FailingHandler(QueueRetryPolicy.Fixed(3, TimeSpan.FromSeconds(5)), failId: "a1");
        var consumer = new WorkQueueConsumer(
            queue,
            [handler],
            Options.Create(new WorkQueueOptions()),
            _time,
            NullLogger<WorkQueueConsumer>.Instance
        );
        await queue.EnqueueAsync(Queue, [Message("a1", "a"), Message("a2", "a")], CancellationToken.None);

        Assert.Equal(1, await consumer.RunOnceAsync(handler, CancellationToken.None));
        Assert.Equal(0, await consumer.RunOnceAsync(handler, CancellationToken.None)); // waiting 5 s
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await consumer.RunOnceAsync(handler, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await consumer.RunOnceAsync(handler, CancellationToken.None)); // third and last attempt
        Assert.Equal(1, await consumer.RunOnceAsync(handler, CancellationToken.None)); // a2, at once

        Assert.Equal(["a1@1", "a1@2", "a1@3", "a2@1"], handler.Seen);
        var dead = Assert.Single(await queue.ListDeadLettersAsync(Queue, 10, CancellationToken.None));
        Assert.Equal("a1", dead.MessageId);
        Assert.Equal(3, dead.Attempts);
        Assert.Contains("Gave up after 3 attempts: receiver answered 503", dead.Reason, StringComparison.Ordinal);
        Assert.Empty(await Receive(queue));
    }

    [Fact]
    public async Task Should_dead_letter_a_message_whose_lease_kept_running_out_without_running_the_handler()
    {
        var (_, queue) = CreateSut();
        var handler = new FailingHandler(QueueRetryPolicy.Fixed(2, TimeSpan.Zero), failId: "none");
        var consumer = new WorkQueueConsumer(
            queue,
            [handler],
            Options.Create(new WorkQueueOptions { LeaseSeconds = 30 }),
            _time,
            NullLogger<WorkQueueConsumer>.Instance
        );
        await queue.EnqueueAsync(Queue, [Message("a1", "a")], CancellationToken.None);
        // Two consumers die holding the message.
        Assert.Single(await Receive(queue));
        _time.Advance(Lease);
        Assert.Single(await Receive(queue));
        _time.Advance(Lease);

        Assert.Equal(1, await consumer.RunOnceAsync(handler, CancellationToken.None));

        Assert.Empty(handler.Seen);
        Assert.Equal(3, Assert.Single(await queue.ListDeadLettersAsync(Queue, 10, CancellationToken.None)).Attempts);
    }

    [Fact]
    public async Task Should_refuse_messages_without_id_or_key_and_store_none_of_the_batch()
    {
        var (_, queue) = CreateSut();
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await queue.EnqueueAsync(Queue, [Message("ok", "a"), Message("", "a")], CancellationToken.None)
        );
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await queue.EnqueueAsync(Queue, [Message("ok", "a"), Message("x", "")], CancellationToken.None)
        );
        Assert.Empty(await Receive(queue));
    }

    private sealed class FailingHandler(QueueRetryPolicy policy, string failId) : IQueueHandler
    {
        public List<string> Seen { get; } = [];

        public string Queue => SqliteWorkQueueTests.Queue;

        public QueueRetryPolicy RetryPolicy => policy;

        public ValueTask<QueueOutcome> HandleAsync(QueueDelivery delivery, CancellationToken cancellationToken)
        {
            Seen.Add($"{delivery.MessageId}@{delivery.Attempt}");
            return delivery.MessageId == failId
                ? throw new HttpRequestException("receiver answered 503")
                : ValueTask.FromResult(QueueOutcome.Complete);
        }
    }
}
