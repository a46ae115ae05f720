using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Cx.Core.Portability;

/// <summary>
/// One Parquet column of an export and the values of the row group being filled. The type
/// mapping (docs/export.md): strings and JSON text are UTF-8 strings, integers INT64, numbers
/// DOUBLE, decimals DECIMAL(28, scale), booleans BOOLEAN, instants TIMESTAMP(MILLIS, UTC);
/// every column is optional (an absent or null value is null).
/// </summary>
internal abstract class ParquetColumn(DataField field)
{
    public DataField Field { get; } = field;

    public abstract void Set(int row, JsonElement entry);

    public abstract Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken cancellationToken);

    public static ParquetColumn Create(ExportColumn column, int capacity) =>
        column.Kind switch
        {
            ExportColumnKind.Integer => new Values<long>(
                column,
                new DataField<long?>(column.Name),
                capacity,
                v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null
            ),
            ExportColumnKind.Number => new Values<double>(
                column,
                new DataField<double?>(column.Name),
                capacity,
                v => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var n) ? n : null
            ),
            ExportColumnKind.Decimal => new Values<decimal>(
                column,
                new DecimalDataField(column.Name, 28, column.Scale, forceByteArrayEncoding: false, isNullable: true),
                capacity,
                v => v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var n) ? n : null
            ),
            ExportColumnKind.Boolean => new Values<bool>(
                column,
                new DataField<bool?>(column.Name),
                capacity,
                v =>
                    v.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => null,
                    }
            ),
            ExportColumnKind.DateTime => new Values<DateTime>(
                column,
                new DateTimeDataField(
                    column.Name,
                    DateTimeFormat.Timestamp,
                    isAdjustedToUTC: true,
                    unit: DateTimeTimeUnit.Millis,
                    isNullable: true
                ),
                capacity,
                v =>
                    v.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(
                        v.GetString(),
                        CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                        out var instant
                    )
                        ? instant.UtcDateTime
                        : null
            ),
            _ => new Strings(column, capacity),
        };

    private sealed class Values<T>(ExportColumn column, DataField field, int capacity, Func<JsonElement, T?> read) : ParquetColumn(field)
        where T : struct
    {
        private readonly T?[] values = new T?[capacity];

        public override void Set(int row, JsonElement entry) =>
            values[row] = ExportColumns.TryGet(entry, column, out var value) ? read(value) : null;

        public override async Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken cancellationToken) =>
            await group.WriteAsync<T>(Field, values.AsMemory(0, rows), cancellationToken: cancellationToken);
    }

    private sealed class Strings(ExportColumn column, int capacity) : ParquetColumn(new DataField<string>(column.Name, true))
    {
        private readonly string?[] values = new string?[capacity];

        public override void Set(int row, JsonElement entry) =>
            values[row] = ExportColumns.TryGet(entry, column, out var value)
                ? value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : value.GetRawText()
                : null;

        public override async Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken cancellationToken)
        {
            await group.WriteAsync(Field, new ArraySegment<string>(values!, 0, rows));
            Array.Clear(values, 0, rows);
        }
    }
}
