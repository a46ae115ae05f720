using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CsvHelper;
using Cx.Core.Documents;
using Parquet;
using Parquet.Schema;

namespace Cx.Core.Portability;

/// <summary>
/// Writes an export to a stream as the pages arrive: JSON and NDJSON copy the stored entries
/// as stored; CSV and Parquet write one column per <see cref="ExportColumn"/>. Nothing holds
/// more than one page (CSV) or one row group (Parquet) in memory.
/// </summary>
public static class ExportWriter
{
    public static Task WriteAsync(
        Stream output,
        ExportFormat format,
        ExportPlan plan,
        IAsyncEnumerable<IReadOnlyList<StoredDocument>> pages,
        int rowGroupSize,
        CancellationToken cancellationToken
    ) => WriteAsync(output, format, plan.Columns, JsonOf(pages, cancellationToken), rowGroupSize, cancellationToken);

    /// <summary>
    /// Writes rows that are JSON objects: JSON and NDJSON copy them, CSV and Parquet cut them into
    /// <paramref name="columns"/> (the event and roll-up exports use this directly).
    /// </summary>
    public static Task WriteAsync(
        Stream output,
        ExportFormat format,
        IReadOnlyList<ExportColumn> columns,
        IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> pages,
        int rowGroupSize,
        CancellationToken cancellationToken
    ) =>
        format switch
        {
            ExportFormat.Json => WriteJsonAsync(output, pages, cancellationToken),
            ExportFormat.Ndjson => WriteNdjsonAsync(output, pages, cancellationToken),
            ExportFormat.Csv => WriteCsvAsync(output, columns, pages, cancellationToken),
            _ => WriteParquetAsync(output, columns, pages, rowGroupSize, cancellationToken),
        };

    private static async IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> JsonOf(
        IAsyncEnumerable<IReadOnlyList<StoredDocument>> pages,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            yield return [.. page.Select(d => d.Json)];
        }
    }

    private static async Task WriteJsonAsync(
        Stream output,
        IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> pages,
        CancellationToken cancellationToken
    )
    {
        await output.WriteAsync("["u8.ToArray(), cancellationToken);
        var first = true;
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            foreach (var document in page)
            {
                if (!first)
                {
                    await output.WriteAsync(","u8.ToArray(), cancellationToken);
                }
                first = false;
                await output.WriteAsync(document, cancellationToken);
            }
            await output.FlushAsync(cancellationToken);
        }
        await output.WriteAsync("]\n"u8.ToArray(), cancellationToken);
    }

    private static async Task WriteNdjsonAsync(
        Stream output,
        IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> pages,
        CancellationToken cancellationToken
    )
    {
        var newline = "\n"u8.ToArray();
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            foreach (var document in page)
            {
                await output.WriteAsync(OneLine(document), cancellationToken);
                await output.WriteAsync(newline, cancellationToken);
            }
            await output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The entry on one line. Inside valid JSON a line feed can only be whitespace (strings escape
    /// it), so stored JSON without one is copied as is and any other is rewritten compactly.
    /// </summary>
    private static ReadOnlyMemory<byte> OneLine(ReadOnlyMemory<byte> json)
    {
        if (!json.Span.Contains((byte)'\n') && !json.Span.Contains((byte)'\r'))
        {
            return json;
        }
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.SerializeToUtf8Bytes(document.RootElement);
    }

    private static async Task WriteCsvAsync(
        Stream output,
        IReadOnlyList<ExportColumn> columns,
        IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> pages,
        CancellationToken cancellationToken
    )
    {
        using var spool = new SpoolStream();
        // Values are exported as stored: no formula escaping (docs/export.md says what to do before opening in a spreadsheet).
        var csv = CsvWriter.Create(spool, new CsvWriterOptions { Injection = CsvInjection.None }, leaveOpen: true);
        await using (csv)
        {
            foreach (var column in columns)
            {
                csv.WriteField(column.Name);
            }
            csv.EndRecord();
            await foreach (var page in pages.WithCancellation(cancellationToken))
            {
                foreach (var document in page)
                {
                    using var parsed = JsonDocument.Parse(document);
                    foreach (var column in columns)
                    {
                        csv.WriteField(ExportColumns.TryGet(parsed.RootElement, column, out var value) ? CsvText(value) : "");
                    }
                    csv.EndRecord();
                }
                await csv.FlushAsync(cancellationToken);
                await spool.DrainToAsync(output, cancellationToken);
                await output.FlushAsync(cancellationToken);
            }
            await csv.FlushAsync(cancellationToken);
        }
        await spool.DrainToAsync(output, cancellationToken);
    }

    private static string CsvText(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.GetRawText(),
        };

    private static async Task WriteParquetAsync(
        Stream output,
        IReadOnlyList<ExportColumn> columns,
        IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> pages,
        int rowGroupSize,
        CancellationToken cancellationToken
    )
    {
        var buffers = columns.Select(c => ParquetColumn.Create(c, rowGroupSize)).ToArray();
        var schema = new ParquetSchema(buffers.Select(b => b.Field));
        using var spool = new SpoolStream();
        var writer = await ParquetWriter.CreateAsync(schema, spool, cancellationToken: cancellationToken);
        await using (writer)
        {
            var rows = 0;
            await foreach (var page in pages.WithCancellation(cancellationToken))
            {
                foreach (var document in page)
                {
                    using var parsed = JsonDocument.Parse(document);
                    foreach (var buffer in buffers)
                    {
                        buffer.Set(rows, parsed.RootElement);
                    }
                    rows++;
                    if (rows == rowGroupSize)
                    {
                        await WriteRowGroupAsync(writer, buffers, rows, cancellationToken);
                        rows = 0;
                        await spool.DrainToAsync(output, cancellationToken);
                        await output.FlushAsync(cancellationToken);
                    }
                }
            }
            if (rows > 0)
            {
                await WriteRowGroupAsync(writer, buffers, rows, cancellationToken);
            }
        }
        await spool.DrainToAsync(output, cancellationToken);
    }

    private static async Task WriteRowGroupAsync(
        ParquetWriter writer,
        ParquetColumn[] buffers,
        int rows,
        CancellationToken cancellationToken
    )
    {
        using var group = writer.CreateRowGroup();
        foreach (var buffer in buffers)
        {
            await buffer.WriteAsync(group, rows, cancellationToken);
        }
    }
}
