using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Identity;
using Cx.Core.Portability;
using Cx.Core.Profiles;
using Cx.Core.Queues;
using Cx.Http.Content;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Portability;

/// <summary>One file of an export job with its signed download link (valid until <c>expiresAt</c>).</summary>
public sealed record ExportJobFileView(string Name, long Rows, long Bytes, string Sha256, string Url, string ExpiresAt);

/// <summary>An export job as the API shows it.</summary>
public sealed record ExportJobView(
    string Id,
    string Status,
    string Source,
    string? TypeKey,
    IReadOnlyDictionary<string, string> Parameters,
    string Format,
    long Rows,
    IReadOnlyList<ExportJobFileView> Files,
    string CreatedAt,
    string UpdatedAt,
    string? CompletedAt,
    string? Error
);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportJobView))]
public sealed partial class ExportJobJson : JsonSerializerContext;

/// <summary>
/// Export jobs over HTTP: start one from the query of a streamed export (checked the same way,
/// 400 naming the parameter), read its progress, download its files through signed, expiring links.
/// </summary>
public sealed partial class ExportJobEndpoints(
    ExportEndpoints entryExports,
    AnalyticsExportEndpoints analyticsExports,
    EntryEndpoints entries,
    ContentTypeRegistry registry,
    ExportJobStore jobs,
    ExportLinkSigner signer,
    IWorkQueue queue,
    TimeProvider time,
    IOptions<PortabilityOptions> options
)
{
    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex JobId();

    [GeneratedRegex("^part-[0-9]{5}\\.(json|ndjson|csv|parquet)$")]
    private static partial Regex FileName();

    public Task<IResult> StartCustomersAsync(HttpRequest request, CancellationToken cancellationToken) =>
        StartAsync(request, ExportJobSources.Customers, null, Permissions.CustomersRead, cancellationToken);

    public async Task<IResult> StartEntriesAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        var schema = await registry.GetSchemaAsync(typeKey, cancellationToken);
        return await StartAsync(
            request,
            ExportJobSources.Content,
            typeKey,
            schema.Type.ReadPermission ?? Permissions.ContentRead,
            cancellationToken
        );
    }

    public Task<IResult> StartEventsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        StartAsync(request, ExportJobSources.Events, null, Permissions.EventsRead, cancellationToken);

    public Task<IResult> StartRollupsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        StartAsync(request, ExportJobSources.Rollups, null, Permissions.AnalyticsRead, cancellationToken);

    private async Task<IResult> StartAsync(
        HttpRequest request,
        string source,
        string? typeKey,
        string permission,
        CancellationToken cancellationToken
    )
    {
        if (request.Query.ContainsKey("compress"))
        {
            throw new ValidationException(
                new FieldError(
                    "compress",
                    "unknown-parameter",
                    "Export job files are not compressed; download links serve them as they are.",
                    ErrorLocation.Query
                ),
                "The query string is not valid."
            );
        }
        var repeated = request.Query.Where(p => p.Value.Count != 1).Select(p => p.Key).ToList();
        if (repeated.Count > 0)
        {
            throw new ValidationException(
                [.. repeated.Select(name => new FieldError(name, "repeated", $"'{name}' may appear once.", ErrorLocation.Query))],
                "The query string is not valid."
            );
        }
        var now = time.GetUtcNow();
        var job = new ExportJob
        {
            Id = Guid.NewGuid().ToString("n"),
            Source = source,
            TypeKey = typeKey,
            Parameters = request.Query.ToDictionary(p => p.Key, p => p.Value[0] ?? "", StringComparer.Ordinal),
            Format = "json",
            Permission = permission,
            Status = ExportJobStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // The same checks as the streamed export, before anything is stored.
        var planned = await new ExportJobHandler(entryExports, analyticsExports, jobs, queue, time, options).PlanAsync(
            job,
            cancellationToken
        );
        job = job with { Format = ExportFormats.Extension(planned.Format), ResumeAfter = planned.After };
        await jobs.SaveAsync(job, cancellationToken);
        await queue.EnqueueAsync(ExportJobHandler.QueueName, [ExportJobHandler.Message(job.Id, 1)], cancellationToken);
        request.HttpContext.Response.Headers.Location = ApiRoutes.Path(ExportJobRoutes.JobPath(job.Id));
        return new JsonContractResult<ExportJobView>(View(job), ExportJobJson.Default.ExportJobView, StatusCodes.Status202Accepted);
    }

    /// <summary><c>GET exports/{jobId}</c>: progress and files; 404 for an unknown job or one the caller may not read.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string jobId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var job = JobId().IsMatch(jobId) ? await jobs.GetAsync(jobId, cancellationToken) : null;
        if (job is null || !CurrentActor.Get().Has(job.Permission))
        {
            throw new NotFoundException("Export job", jobId);
        }
        return new JsonContractResult<ExportJobView>(View(job), ExportJobJson.Default.ExportJobView);
    }

    /// <summary><c>GET exports/{jobId}/files/{fileName}?expires=&amp;signature=</c>: the file, for the holder of a valid link.</summary>
    public async Task<IResult> DownloadAsync(HttpRequest request, string jobId, string fileName, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, ["expires", "signature"]);
        var errors = new List<FieldError>();
        if (
            !query.TryGetValue("expires", out var expiresText)
            || !long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
        )
        {
            expires = 0;
            errors.Add(
                new(
                    "expires",
                    query.ContainsKey("expires") ? "integer" : "required",
                    "expires is the link's expiry in Unix seconds.",
                    ErrorLocation.Query
                )
            );
        }
        if (!query.TryGetValue("signature", out var signature) || signature.Length is 0 or > 128)
        {
            errors.Add(new("signature", "required", "signature is the link's signature.", ErrorLocation.Query));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        if (!JobId().IsMatch(jobId) || !FileName().IsMatch(fileName) || !signer.Verify(jobId, fileName, expires, signature!))
        {
            throw new ForbiddenException("The download link is not valid.");
        }
        if (expires < time.GetUtcNow().ToUnixTimeSeconds())
        {
            throw new ForbiddenException("The download link has expired; read the job again for a fresh one.");
        }
        var bytes = await jobs.GetFileAsync(jobId, fileName, cancellationToken) ?? throw new NotFoundException("Export file", fileName);
        var format = ExportFormats.Parse(Path.GetExtension(fileName)[1..]);
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return Results.File(bytes, ExportFormats.MediaType(format), fileName);
    }

    private ExportJobView View(ExportJob job)
    {
        var expires = time.GetUtcNow().AddMinutes(options.Value.DownloadLinkMinutes);
        var seconds = expires.ToUnixTimeSeconds();
        return new ExportJobView(
            job.Id,
            job.Status.ToString().ToLowerInvariant(),
            job.Source,
            job.TypeKey,
            job.Parameters,
            job.Format,
            job.Rows,
            [
                .. job.Parts.Select(p => new ExportJobFileView(
                    p.Name,
                    p.Rows,
                    p.Bytes,
                    p.Sha256,
                    ApiRoutes.Path(ExportJobRoutes.FilePath(job.Id, p.Name))
                        + string.Create(
                            CultureInfo.InvariantCulture,
                            $"?expires={seconds}&signature={signer.Sign(job.Id, p.Name, seconds)}"
                        ),
                    Instants.Format(DateTimeOffset.FromUnixTimeSeconds(seconds))
                )),
            ],
            Instants.Format(job.CreatedAt),
            Instants.Format(job.UpdatedAt),
            job.CompletedAt is { } completed ? Instants.Format(completed) : null,
            job.Error
        );
    }
}
