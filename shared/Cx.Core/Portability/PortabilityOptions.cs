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
}
