using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Cx.Core.Blobs;
using Cx.Core.Portability;
using Cx.Core.Queues;
using Cx.Http.Portability;
using Microsoft.Extensions.Options;
using Moq;

namespace Cx.Core.Tests.Portability;

/// <summary>
/// An export job whose step fails with an unexpected error (not a planning error): each attempt but
/// the last is retried by the queue; the last one ends the job <c>failed</c> with the reason and
/// dead-letters the message. Before, the job stayed <c>running</c> for ever.
/// </summary>
public sealed class ExportJobFailureTests
{
    private sealed class MemoryBlobs : IBlobStore
    {
        public ConcurrentDictionary<string, byte[]> Items { get; } = new();

        public ValueTask PutAsync(
            string container,
            string name,
            ReadOnlyMemory<byte> content,
            string contentType,
            CancellationToken cancellationToken
        )
        {
            Items[container + "/" + name] = content.ToArray();
            return ValueTask.CompletedTask;
        }

        public ValueTask<byte[]?> GetAsync(string container, string name, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Items.TryGetValue(container + "/" + name, out var bytes) ? bytes : null);

        public ValueTask DeleteAsync(string container, string name, CancellationToken cancellationToken)
        {
            Items.TryRemove(container + "/" + name, out _);
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<StoredBlob> ListAsync(
            string container,
            string prefix,
            [EnumeratorCancellation] CancellationToken cancellationToken
        )
        {
            await Task.CompletedTask;
            yield break;
        }
    }

    private sealed class Delivery(string body, int attempt)
        : QueueDelivery(ExportJobHandler.QueueName, "m-1", "job", Encoding.UTF8.GetBytes(body), attempt, DateTimeOffset.UnixEpoch)
    {
        public override ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override ValueTask AbandonAsync(TimeSpan retryAfter, string reason, CancellationToken cancellationToken) =>
            ValueTask.CompletedTask;

        public override ValueTask DeadLetterAsync(string reason, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static (ExportJobHandler Handler, ExportJobStore Jobs, Mock<IWorkQueue> Queue) Arrange(Exception failure)
    {
        var options = Options.Create(new PortabilityOptions());
        var reader = new Mock<IAnalyticsExportReader>(MockBehavior.Strict);
        reader
            .Setup(r =>
                r.ReadEventsAsync(It.IsAny<EventExportQuery>(), It.IsAny<EventPosition?>(), It.IsAny<int>(), It.IsAny<CancellationToken>())
            )
            .ThrowsAsync(failure);
        var analytics = new AnalyticsExportEndpoints(new AnalyticsExportService(reader.Object, options), TimeProvider.System, options);
        var jobs = new ExportJobStore(new MemoryBlobs());
        var queue = new Mock<IWorkQueue>(MockBehavior.Strict);
        // The entry exports are never reached by an events job.
        var handler = new ExportJobHandler(null!, analytics, jobs, queue.Object, TimeProvider.System, options);
        return (handler, jobs, queue);
    }

    private static ExportJob Job() =>
        new()
        {
            Id = "job-failing",
            Source = ExportJobSources.Events,
            Parameters = new Dictionary<string, string>
            {
                ["format"] = "csv",
                ["from"] = "2026-01-01T00:00:00Z",
                ["to"] = "2026-02-01T00:00:00Z",
            },
            Format = "csv",
            Permission = "events:read",
            Status = ExportJobStatus.Running,
            CreatedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };

    [Fact]
    public async Task Should_leave_the_job_running_and_let_the_queue_retry_while_attempts_are_left()
    {
        var (handler, jobs, _) = Arrange(new InvalidOperationException("The disk went away."));
        await jobs.SaveAsync(Job(), CancellationToken.None);

        for (var attempt = 1; attempt < handler.RetryPolicy.MaxAttempts; attempt++)
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await handler.HandleAsync(new Delivery("job-failing\n1", attempt), CancellationToken.None)
            );
            Assert.Equal("The disk went away.", failure.Message);
            Assert.Equal(ExportJobStatus.Running, (await jobs.GetAsync("job-failing", CancellationToken.None))!.Status);
        }
    }

    [Fact]
    public async Task Should_end_the_job_failed_with_the_reason_on_the_last_attempt_and_dead_letter_the_message()
    {
        var (handler, jobs, queue) = Arrange(new InvalidOperationException("The disk went away."));
        await jobs.SaveAsync(Job(), CancellationToken.None);

        var outcome = await handler.HandleAsync(new Delivery("job-failing\n1", handler.RetryPolicy.MaxAttempts), CancellationToken.None);

        var job = (await jobs.GetAsync("job-failing", CancellationToken.None))!;
        Assert.Equal(ExportJobStatus.Failed, job.Status);
        Assert.Equal($"File 1 failed after {handler.RetryPolicy.MaxAttempts} attempts: The disk went away.", job.Error);
        Assert.NotNull(job.CompletedAt);
        Assert.Empty(job.Parts);
        Assert.Equal(QueueOutcomeKind.DeadLetter, outcome.Kind);
        Assert.Equal(job.Error, outcome.Reason);
        queue.VerifyNoOtherCalls(); // no next file is asked for
    }

    [Fact]
    public async Task Should_not_turn_a_cancellation_into_a_failed_job()
    {
        var (handler, jobs, _) = Arrange(new OperationCanceledException());
        await jobs.SaveAsync(Job(), CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await handler.HandleAsync(new Delivery("job-failing\n1", handler.RetryPolicy.MaxAttempts), CancellationToken.None)
        );
        Assert.Equal(ExportJobStatus.Running, (await jobs.GetAsync("job-failing", CancellationToken.None))!.Status);
    }
}
