using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Blobs;
using Microsoft.Extensions.Options;

namespace Cx.Core.Portability;

/// <summary>Where an export job stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExportJobStatus>))]
public enum ExportJobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>One file of an export job: its name in the job's folder, rows, bytes and SHA-256 (hex).</summary>
public sealed record ExportJobPart(string Name, long Rows, long Bytes, string Sha256);

/// <summary>
/// An export run in the background (ADR 0443): what to export (the source and the query
/// parameters of its streamed export), the permission a reader of the job needs, and its progress:
/// the files written so far and where the next one starts (<see cref="ResumeAfter"/>).
/// </summary>
public sealed record ExportJob
{
    public required string Id { get; init; }

    /// <summary><c>customers</c>, <c>content</c>, <c>events</c> or <c>rollups</c>.</summary>
    public required string Source { get; init; }

    public string? TypeKey { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    public required string Format { get; init; }

    /// <summary>The permission the streamed export of the source needs; reading the job needs it too.</summary>
    public required string Permission { get; init; }

    public required ExportJobStatus Status { get; init; }

    public long Rows { get; init; }

    public IReadOnlyList<ExportJobPart> Parts { get; init; } = [];

    /// <summary>The resume key (id or cursor) of the last row written, or the <c>after</c> it started with.</summary>
    public string? ResumeAfter { get; init; }

    public string? Error { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportJob))]
internal sealed partial class ExportJobJsonContext : JsonSerializerContext;

/// <summary>
/// Export jobs and their files in the blob store (Azure Blob Storage; a folder embedded): container
/// <see cref="Container"/>, the job as <c>{id}/job.json</c>, its files beside it. Each write is one
/// atomic blob put, so a job read after a crash is the last state saved.
/// </summary>
public sealed class ExportJobStore(IBlobStore blobs)
{
    public const string Container = "exports";

    public async ValueTask<ExportJob?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var bytes = await blobs.GetAsync(Container, id + "/job.json", cancellationToken);
        return bytes is null ? null : JsonSerializer.Deserialize(bytes, ExportJobJsonContext.Default.ExportJob);
    }

    public ValueTask SaveAsync(ExportJob job, CancellationToken cancellationToken) =>
        blobs.PutAsync(
            Container,
            job.Id + "/job.json",
            JsonSerializer.SerializeToUtf8Bytes(job, ExportJobJsonContext.Default.ExportJob),
            "application/json",
            cancellationToken
        );

    public ValueTask PutFileAsync(
        string id,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        CancellationToken cancellationToken
    ) => blobs.PutAsync(Container, id + "/" + name, content, contentType, cancellationToken);

    public ValueTask<byte[]?> GetFileAsync(string id, string name, CancellationToken cancellationToken) =>
        blobs.GetAsync(Container, id + "/" + name, cancellationToken);

    /// <summary>The name of the <paramref name="index"/>th file (from 1) of a job.</summary>
    public static string PartName(int index, ExportFormat format) =>
        string.Create(CultureInfo.InvariantCulture, $"part-{index:D5}.{ExportFormats.Extension(format)}");
}

/// <summary>
/// Signed, expiring download links of export files: HMAC-SHA256 over job id, file name and expiry
/// with <see cref="PortabilityOptions.DownloadSigningKey"/> (a random key per process when unset, so
/// links then end with the process). Checked in constant time.
/// </summary>
public sealed class ExportLinkSigner
{
    private readonly byte[] _key;

    public ExportLinkSigner(IOptions<PortabilityOptions> options)
    {
        var configured = options.Value.DownloadSigningKey;
        _key = string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(configured);
    }

    public string Sign(string jobId, string name, long expiresUnixSeconds)
    {
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{jobId}/{name}\n{expiresUnixSeconds}"));
        return Base64Url.EncodeToString(HMACSHA256.HashData(_key, message));
    }

    public bool Verify(string jobId, string name, long expiresUnixSeconds, string signature)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(jobId, name, expiresUnixSeconds));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
