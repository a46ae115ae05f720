using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Cx.Core.Content;

namespace Cx.Core.Portability;

/// <summary>
/// Reads an import file one row at a time (memory: one line or one CSV record). NDJSON: one
/// JSON object per line, blank lines skipped. CSV: the header names the columns an export
/// writes (<see cref="ExportColumns"/>); each value is read back by its column's kind, an empty
/// field is an absent value. Lines count from 1 (the CSV header is line 1); rows starting
/// before <c>from</c> are skipped.
/// </summary>
public static class ImportReader
{
    private const int MaxDepth = 64;

    public static async IAsyncEnumerable<ImportRow> ReadNdjsonAsync(
        Stream input,
        long from,
        int maxLineBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        using var reader = new StreamReader(input, new UTF8Encoding(false, throwOnInvalidBytes: true), false, 64 * 1024, leaveOpen: true);
        long line = 0;
        while (true)
        {
            string? text;
            var undecodable = false;
            try
            {
                text = await reader.ReadLineAsync(cancellationToken);
            }
            catch (DecoderFallbackException)
            {
                text = null;
                undecodable = true;
            }
            if (undecodable)
            {
                yield return Bad(line + 1, "", "encoding", "The file is not UTF-8 text.");
                yield break;
            }
            if (text is null)
            {
                yield break;
            }
            line++;
            if (line < from || string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            if (Encoding.UTF8.GetByteCount(text) > maxLineBytes)
            {
                yield return Bad(line, "", "too-large", $"A row is at most {maxLineBytes} bytes.");
                continue;
            }
            yield return ParseLine(line, text);
        }
    }

    private static ImportRow ParseLine(long line, string text)
    {
        try
        {
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
            return node is JsonObject entry ? new ImportRow(line, entry, []) : Bad(line, "", "type", "Each line is one JSON object.");
        }
        catch (JsonException e)
        {
            return Bad(line, "", "malformed-json", $"The line is not valid JSON (byte {e.BytePositionInLine}).");
        }
    }

    public static async IAsyncEnumerable<ImportRow> ReadCsvAsync(
        Stream input,
        ContentSchema schema,
        long from,
        int maxLineBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var csv = CsvReader.Create(input, new CsvReaderOptions { TrackLineNumbers = true, MaxRecordSize = maxLineBytes }, leaveOpen: true);
        await using (csv)
        {
            var columns = ExportColumns.For(schema).ToDictionary(c => c.Name, StringComparer.Ordinal);
            List<ExportColumn?> byIndex = [];
            var headerErrors = new List<ImportError>();
            string? failure = null;
            try
            {
                await csv.ReadHeaderAsync(cancellationToken);
            }
            catch (Exception e) when (e is CsvFormatException or DecoderFallbackException)
            {
                failure = e.Message;
            }
            if (failure is not null)
            {
                yield return Bad(1, "", "malformed-csv", "The header row cannot be read.");
                yield break;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in csv.Headers)
            {
                if (!seen.Add(name))
                {
                    headerErrors.Add(new(1, "", "duplicate-column", $"The column '{name}' appears twice."));
                }
                if (columns.TryGetValue(name, out var column))
                {
                    byIndex.Add(column);
                }
                else if (name == "type")
                {
                    byIndex.Add(new ExportColumn("type", ["type"], ExportColumnKind.String));
                }
                else
                {
                    byIndex.Add(null);
                    headerErrors.Add(
                        new(1, "/" + string.Join('/', name.Split('.')), "unknown-column", $"'{schema.Key}' has no column '{name}'.")
                    );
                }
            }
            if (csv.Headers.Count == 0)
            {
                headerErrors.Add(new(1, "", "header", "The first line names the columns."));
            }
            if (headerErrors.Count > 0)
            {
                yield return new ImportRow(1, null, headerErrors);
                yield break;
            }
            while (true)
            {
                bool more;
                ImportRow? broken = null;
                try
                {
                    more = await csv.ReadAsync(cancellationToken);
                }
                catch (Exception e) when (e is CsvFormatException or DecoderFallbackException)
                {
                    more = false;
                    broken = Bad(csv.LineNumber, "", "malformed-csv", "The record cannot be read as CSV (RFC 4180, UTF-8).");
                }
                if (broken is not null)
                {
                    yield return broken;
                    yield break;
                }
                if (!more)
                {
                    yield break;
                }
                var line = csv.LineNumber;
                if (line < from)
                {
                    continue;
                }
                yield return ReadRecord(csv, line, byIndex);
            }
        }
    }

    private static ImportRow ReadRecord(CsvReader csv, long line, List<ExportColumn?> byIndex)
    {
        if (csv.FieldCount != byIndex.Count)
        {
            return Bad(line, "", "field-count", $"The record has {csv.FieldCount} fields; the header names {byIndex.Count}.");
        }
        var entry = new JsonObject();
        var errors = new List<ImportError>();
        for (var i = 0; i < byIndex.Count; i++)
        {
            var column = byIndex[i]!;
            var text = csv.GetString(i);
            if (text.Length == 0)
            {
                continue;
            }
            var pointer = "/" + string.Join('/', column.Path);
            if (!TryValue(column.Kind, text, out var value))
            {
                errors.Add(new(line, pointer, "value", $"'{column.Name}' holds {Describe(column.Kind)}."));
                continue;
            }
            var parent = entry;
            foreach (var segment in column.Path.SkipLast(1))
            {
                if (parent[segment] is not JsonObject child)
                {
                    child = new JsonObject();
                    parent[segment] = child;
                }
                parent = child;
            }
            parent[column.Path[^1]] = value;
        }
        return errors.Count > 0 ? new ImportRow(line, null, errors) : new ImportRow(line, entry, []);
    }

    private static bool TryValue(ExportColumnKind kind, string text, out JsonNode? value)
    {
        value = null;
        switch (kind)
        {
            case ExportColumnKind.String or ExportColumnKind.DateTime:
                value = JsonValue.Create(text);
                return true;
            case ExportColumnKind.Boolean:
                if (text is "true" or "false")
                {
                    value = JsonValue.Create(text == "true");
                    return true;
                }
                return false;
            case ExportColumnKind.Integer or ExportColumnKind.Number or ExportColumnKind.Decimal:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    return false;
                }
                return TryJson(text, out value) && value is JsonValue number && number.GetValueKind() == JsonValueKind.Number;
            default:
                return TryJson(text, out value);
        }
    }

    private static bool TryJson(string text, out JsonNode? value)
    {
        try
        {
            value = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
            return true;
        }
        catch (JsonException)
        {
            value = null;
            return false;
        }
    }

    private static string Describe(ExportColumnKind kind) =>
        kind switch
        {
            ExportColumnKind.Boolean => "true or false",
            ExportColumnKind.Integer or ExportColumnKind.Number or ExportColumnKind.Decimal => "a number in JSON form",
            _ => "JSON text",
        };

    private static ImportRow Bad(long line, string pointer, string code, string detail) =>
        new(line, null, [new(line, pointer, code, detail)]);
}
