using System.IO.Compression;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Portability;

namespace Cx.Core.Privacy;

/// <summary>
/// Writes an access bundle with the export writers: JSON (one object, each section an array of the
/// items as stored) or a zip of CSV files (one per section plus <c>personal-fields.csv</c>). JSON
/// streams straight to the output, page by page. The zip is assembled in a temporary file that
/// is deleted when closed (a zip's central directory comes last), then copied to the output.
/// </summary>
public static class PersonalDataWriter
{
    /// <summary>The bundle's format name and version, written as its <c>format</c>.</summary>
    public const string Format = "cx-personal-data/1";

    public static async Task WriteJsonAsync(Stream response, PersonalDataBundle bundle, CancellationToken cancellationToken)
    {
        // The writers copy one small item at a time; a buffer turns those into 64 KB writes to the
        // response (flushed at the end of each page), not one write per event. Not disposed: that
        // would close the response stream.
        var output = new BufferedStream(response, 64 * 1024);
        await WriteHeadAsync(output, bundle, cancellationToken);
        var first = true;
        foreach (var section in bundle.Sections)
        {
            await output.WriteAsync(Utf8((first ? "\n" : ",\n") + JsonSerializer.Serialize(section.Name) + ":"), cancellationToken);
            first = false;
            await ExportWriter.WriteAsync(output, ExportFormat.Json, Plan(section), section.Pages(cancellationToken), 1, cancellationToken);
        }
        await output.WriteAsync("}}\n"u8.ToArray(), cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private static async Task WriteHeadAsync(Stream output, PersonalDataBundle bundle, CancellationToken cancellationToken)
    {
        using var head = new MemoryStream();
        using (var writer = new Utf8JsonWriter(head))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("customerId", bundle.CustomerId);
            writer.WriteString("generatedAt", Instants.Format(bundle.GeneratedAt));
            writer.WriteStartArray("personalFields");
            foreach (var field in bundle.PersonalFields)
            {
                writer.WriteStartObject();
                writer.WriteString("type", field.Type);
                writer.WriteString("path", field.Path);
                writer.WriteString("category", JsonNamingPolicy.CamelCase.ConvertName(field.Category.ToString()));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartArray("sectionNames");
            foreach (var section in bundle.Sections)
            {
                writer.WriteStringValue(section.Name);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        // The head is a closed object; reopen it to add "sections": {...}.
        var bytes = head.ToArray();
        await output.WriteAsync(bytes.AsMemory(0, bytes.Length - 1), cancellationToken);
        await output.WriteAsync(",\"sections\":{"u8.ToArray(), cancellationToken);
    }

    public static async Task WriteCsvZipAsync(Stream output, PersonalDataBundle bundle, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), "cx-access-" + Guid.NewGuid().ToString("n") + ".zip");
        await using var file = new FileStream(
            path,
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous
        );
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var entry = zip.CreateEntry("personal-fields.csv", CompressionLevel.Fastest).Open())
            {
                var fields = bundle
                    .PersonalFields.Select(f =>
                        Document(f.Type + "/" + f.Path, f.Type, f.Path, JsonNamingPolicy.CamelCase.ConvertName(f.Category.ToString()))
                    )
                    .ToList();
                await ExportWriter.WriteAsync(entry, ExportFormat.Csv, FieldPlan, Pages(fields), 1, cancellationToken);
            }
            foreach (var section in bundle.Sections)
            {
                await using var entry = zip.CreateEntry(section.Name.Replace('/', '-') + ".csv", CompressionLevel.Fastest).Open();
                await ExportWriter.WriteAsync(
                    entry,
                    ExportFormat.Csv,
                    Plan(section),
                    section.Pages(cancellationToken),
                    1,
                    cancellationToken
                );
            }
        }
        file.Position = 0;
        await file.CopyToAsync(output, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private static readonly ExportPlan FieldPlan = new(
        null!,
        null!,
        [
            new("type", ["type"], ExportColumnKind.String),
            new("path", ["path"], ExportColumnKind.String),
            new("category", ["category"], ExportColumnKind.String),
        ]
    );

    // The tabular writers read only the columns of a plan.
    private static ExportPlan Plan(PersonalDataSection section) => new(null!, null!, section.Columns);

    private static StoredDocument Document(string id, string type, string path, string category) =>
        new(
            id,
            id,
            "personalField",
            "",
            JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, string>
                {
                    ["type"] = type,
                    ["path"] = path,
                    ["category"] = category,
                }
            )
        );

    private static async IAsyncEnumerable<IReadOnlyList<StoredDocument>> Pages(IReadOnlyList<StoredDocument> items)
    {
        await Task.CompletedTask;
        if (items.Count > 0)
        {
            yield return items;
        }
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
