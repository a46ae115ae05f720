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
}
