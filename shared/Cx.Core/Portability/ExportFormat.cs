using Cx.Core.Common;

namespace Cx.Core.Portability;

/// <summary>The file formats of an export.</summary>
public enum ExportFormat
{
    /// <summary>One JSON array of the stored entries.</summary>
    Json,

    /// <summary>One stored entry per line (newline-delimited JSON).</summary>
    Ndjson,

    /// <summary>RFC 4180 CSV, one column per scalar field (see <see cref="ExportColumns"/>).</summary>
    Csv,

    /// <summary>Apache Parquet, one column per scalar field, typed (see <see cref="ExportColumns"/>).</summary>
    Parquet,
}

public static class ExportFormats
{
    public static ExportFormat Parse(string? value, string parameter = "format") =>
        value switch
        {
            null or "" or "json" => ExportFormat.Json,
            "ndjson" => ExportFormat.Ndjson,
            "csv" => ExportFormat.Csv,
            "parquet" => ExportFormat.Parquet,
            _ => throw new ValidationException(
                [new(parameter, "value", "format is json, ndjson, csv or parquet.", ErrorLocation.Query)],
                "The query string is not valid."
            ),
        };

    public static string MediaType(ExportFormat format) =>
        format switch
        {
            ExportFormat.Json => "application/json",
            ExportFormat.Ndjson => "application/x-ndjson",
            ExportFormat.Csv => "text/csv; charset=utf-8",
            _ => "application/vnd.apache.parquet",
        };

    public static string Extension(ExportFormat format) =>
        format switch
        {
            ExportFormat.Json => "json",
            ExportFormat.Ndjson => "ndjson",
            ExportFormat.Csv => "csv",
            _ => "parquet",
        };
}
