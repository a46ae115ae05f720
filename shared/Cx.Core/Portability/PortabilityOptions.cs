using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Portability;

/// <summary>Settings of exports and imports, bound from <c>Cx:Portability</c>.</summary>
public sealed class PortabilityOptions
{
    public const string Section = "Cx:Portability";

    /// <summary>Entries read from the store per keyset page while an export streams.</summary>
    [Range(10, 5000)]
    public int ExportPageSize { get; set; } = 1000;

    /// <summary>Rows per Parquet row group: the most rows an export holds in memory at once.</summary>
    [Range(10, 100_000)]
    public int ParquetRowGroupSize { get; set; } = 10_000;

    /// <summary>The largest import body, in bytes (413 beyond it).</summary>
    [Range(1024, 1_073_741_824)]
    public long ImportMaxBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Rows one import request validates and writes; a longer file continues with <c>from</c>.</summary>
    [Range(1, 100_000)]
    public int ImportMaxRows { get; set; } = 10_000;

    /// <summary>The largest row (NDJSON line or CSV record), in bytes.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int ImportMaxRowBytes { get; set; } = 1024 * 1024;

    /// <summary>Errors reported before an import stops reading the file.</summary>
    [Range(1, 10_000)]
    public int ImportMaxErrors { get; set; } = 1000;

    /// <summary>Rows per file of an export job; each file is written (and held in memory) as one step of the job.</summary>
    [Range(10, 1_000_000)]
    public int ExportJobPartRows { get; set; } = 100_000;

    /// <summary>How long a download link of an export job's file stays valid, in minutes.</summary>
    [Range(1, 7 * 24 * 60)]
    public int DownloadLinkMinutes { get; set; } = 60;

    /// <summary>
    /// Base64 key (at least 32 bytes) signing download links; empty: a random key per process (links
    /// end with it). Set it, as a secret, when several instances serve the links.
    /// </summary>
    [Base64Key]
    public string? DownloadSigningKey { get; set; }
}

/// <summary>Empty, or base64 of at least 32 bytes.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class Base64KeyAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text || text.Length == 0)
        {
            return ValidationResult.Success;
        }
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) && written >= 32
            ? ValidationResult.Success
            : new ValidationResult($"{validationContext.MemberName} is base64 of at least 32 bytes.");
    }
}
