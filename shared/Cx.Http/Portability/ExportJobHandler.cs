using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Portability;
using Cx.Core.Profiles;
using Cx.Core.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Cx.Http.Portability;

/// <summary>
/// Runs export jobs from the <see cref="Queue"/> work queue, one file per message (ADR 0443): it
/// plans the job's export again from its stored parameters, writes the next
/// <see cref="PortabilityOptions.ExportJobPartRows"/> rows after the job's resume key into one file,
/// saves the file, then the job (with the new resume key), then enqueues the next file. A message
/// delivered again after a crash rewrites the same file from the same key, or finds it recorded and
/// only enqueues the next: the job resumes after a restart and never holds a lease for long. A step
/// that fails with an unexpected error is retried by the queue's policy; when the last attempt fails
/// too, the job ends <c>failed</c> with the reason and the message is dead-lettered.
/// </summary>
public sealed class ExportJobHandler(
    ExportEndpoints entryExports,
    AnalyticsExportEndpoints analyticsExports,
    ExportJobStore jobs,
    IWorkQueue queue,
    TimeProvider time,
    IOptions<PortabilityOptions> options
) : IQueueHandler
{
    public const string QueueName = "exports";

    public string Queue => QueueName;

    public QueueRetryPolicy RetryPolicy { get; } = QueueRetryPolicy.Fixed(5, TimeSpan.FromSeconds(10));

    /// <summary>The message that asks for file <paramref name="part"/> (from 1) of a job; its id makes the enqueue idempotent.</summary>
    public static QueueMessage Message(string jobId, int part) => new($"{jobId}-{part}", jobId, Encoding.UTF8.GetBytes($"{jobId}\n{part}"));

    public async ValueTask<QueueOutcome> HandleAsync(QueueDelivery delivery, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(delivery.Body.Span).Split('\n');
        if (text.Length != 2 || !int.TryParse(text[1], out var part) || part < 1)
        {
            return QueueOutcome.DeadLetter("Not an export job message.");
        }
        var job = await jobs.GetAsync(text[0], cancellationToken);
        if (job is null || job.Status is ExportJobStatus.Succeeded or ExportJobStatus.Failed || job.Parts.Count > part)
        {
            return QueueOutcome.Complete;
        }
        if (job.Parts.Count == part)
        {
            // Written and saved before a crash; only the next message may be missing.
            await queue.EnqueueAsync(QueueName, [Message(job.Id, part + 1)], cancellationToken);
            return QueueOutcome.Complete;
        }
        if (job.Parts.Count != part - 1)
        {
            return QueueOutcome.Complete;
        }
        try
        {
            return await WritePartAsync(job, part, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && delivery.Attempt >= RetryPolicy.MaxAttempts)
        {
            // The last attempt failed too: the job ends failed with the reason instead of staying running,
            // and the message goes to the dead letters for an operator.
            var reason = $"File {part} failed after {delivery.Attempt} attempts: {e.Message}";
            var now = time.GetUtcNow();
            await jobs.SaveAsync(
                job with
                {
                    Status = ExportJobStatus.Failed,
                    Error = reason,
                    UpdatedAt = now,
                    CompletedAt = now,
                },
                cancellationToken
            );
            return QueueOutcome.DeadLetter(reason);
        }
    }

    /// <summary>Writes file <paramref name="part"/> of the job, saves the job and asks for the next file.</summary>
    private async Task<QueueOutcome> WritePartAsync(ExportJob job, int part, CancellationToken cancellationToken)
    {
        PlannedExport planned;
        try
        {
            planned = await PlanAsync(job, cancellationToken);
        }
        catch (CxException e)
        {
            // The export cannot run any more (its type was deleted or changed): the job fails, it is not retried.
            var now = time.GetUtcNow();
            await jobs.SaveAsync(
                job with
                {
                    Status = ExportJobStatus.Failed,
                    Error = e.Message,
                    UpdatedAt = now,
                    CompletedAt = now,
                },
                cancellationToken
            );
            return QueueOutcome.Complete;
        }
        var take = new RowTake(planned.ResumeProperty, options.Value.ExportJobPartRows);
        using var buffer = new MemoryStream();
        await ExportWriter.WriteAsync(
            buffer,
            planned.Format,
            planned.Columns,
            take.From(planned.Rows(job.ResumeAfter, cancellationToken), cancellationToken),
            planned.RowGroupSize,
            cancellationToken
        );
        var name = ExportJobStore.PartName(part, planned.Format);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        await jobs.PutFileAsync(job.Id, name, bytes, ExportFormats.MediaType(planned.Format), cancellationToken);
        var finished = time.GetUtcNow();
        var done = !take.More;
        job = job with
        {
            Parts =
            [
                .. job.Parts,
                new ExportJobPart(name, take.Count, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes.Span))),
            ],
            Rows = job.Rows + take.Count,
            ResumeAfter = take.LastKey ?? job.ResumeAfter,
            Status = done ? ExportJobStatus.Succeeded : ExportJobStatus.Running,
            UpdatedAt = finished,
            CompletedAt = done ? finished : null,
        };
        await jobs.SaveAsync(job, cancellationToken);
        if (!done)
        {
            await queue.EnqueueAsync(QueueName, [Message(job.Id, part + 1)], cancellationToken);
        }
        return QueueOutcome.Complete;
    }

    /// <summary>The job's export, planned from its stored parameters by the code of its streamed export.</summary>
    internal Task<PlannedExport> PlanAsync(ExportJob job, CancellationToken cancellationToken)
    {
        var query = new QueryCollection(job.Parameters.ToDictionary(p => p.Key, p => new StringValues(p.Value), StringComparer.Ordinal));
        return job.Source switch
        {
            ExportJobSources.Customers => entryExports.PlanAsync(query, false, CustomerProfile.TypeKey, "customers", cancellationToken),
            ExportJobSources.Content => entryExports.PlanAsync(query, false, job.TypeKey!, job.TypeKey!, cancellationToken),
            ExportJobSources.Events => Task.FromResult(analyticsExports.PlanEvents(query, false)),
            _ => Task.FromResult(analyticsExports.PlanRollups(query, false, out _)),
        };
    }

    /// <summary>Passes on at most <c>limit</c> rows, noting the resume key of the last and whether any row was left.</summary>
    private sealed class RowTake(string resumeProperty, int limit)
    {
        public int Count { get; private set; }

        public bool More { get; private set; }

        public string? LastKey { get; private set; }

        public async IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> From(
            IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> pages,
            [EnumeratorCancellation] CancellationToken cancellationToken
        )
        {
            await foreach (var page in pages.WithCancellation(cancellationToken))
            {
                var room = limit - Count;
                var rows = page.Count > room ? [.. page.Take(room)] : page;
                if (rows.Count > 0)
                {
                    Count += rows.Count;
                    LastKey = KeyOf(rows[^1]);
                    yield return rows;
                }
                if (page.Count > room)
                {
                    More = true;
                    yield break;
                }
            }
        }

        private string? KeyOf(ReadOnlyMemory<byte> row)
        {
            using var document = JsonDocument.Parse(row);
            return document.RootElement.TryGetProperty(resumeProperty, out var key) && key.ValueKind == JsonValueKind.String
                ? key.GetString()
                : null;
        }
    }
}

/// <summary>What an export job exports.</summary>
public static class ExportJobSources
{
    public const string Customers = "customers";
    public const string Content = "content";
    public const string Events = "events";
    public const string Rollups = "rollups";
}
