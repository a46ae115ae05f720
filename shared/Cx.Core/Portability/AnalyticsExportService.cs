using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Microsoft.Extensions.Options;

namespace Cx.Core.Portability;

/// <summary>
/// Exports of events (by time range) and of analytics roll-up counters. Each row is one JSON
/// object (written as is by JSON and NDJSON, cut into <see cref="EventColumns"/> or
/// <see cref="RollupColumns"/> by CSV and Parquet) that ends with the <c>cursor</c> of its
/// position, so an interrupted export resumes with <c>after=&lt;the last cursor received&gt;</c>.
/// Rows are read one page (<see cref="PortabilityOptions.ExportPageSize"/>) at a time.
/// </summary>
public sealed class AnalyticsExportService(IAnalyticsExportReader reader, IOptions<PortabilityOptions> options)
{
    /// <summary>The columns of an event export, in order.</summary>
    public static IReadOnlyList<ExportColumn> EventColumns { get; } =
    [
        new("eventId", ["eventId"], ExportColumnKind.String),
        new("type", ["type"], ExportColumnKind.String),
        new("customerId", ["customerId"], ExportColumnKind.String),
        new("anonymousId", ["anonymousId"], ExportColumnKind.String),
        new("timestamp", ["timestamp"], ExportColumnKind.DateTime),
        new("receivedAt", ["receivedAt"], ExportColumnKind.DateTime),
        new("page", ["page"], ExportColumnKind.String),
        new("custom", ["custom"], ExportColumnKind.Boolean),
        new("properties", ["properties"], ExportColumnKind.JsonText),
        new("cursor", ["cursor"], ExportColumnKind.String),
    ];

    /// <summary>The columns of a roll-up export, in order (sums are exact to 4 decimals).</summary>
    public static IReadOnlyList<ExportColumn> RollupColumns { get; } =
    [
        new("eventType", ["eventType"], ExportColumnKind.String),
        new("granularity", ["granularity"], ExportColumnKind.String),
        new("bucketStart", ["bucketStart"], ExportColumnKind.DateTime),
        new("breakdown", ["breakdown"], ExportColumnKind.String),
        new("name", ["name"], ExportColumnKind.String),
        new("value", ["value"], ExportColumnKind.String),
        new("count", ["count"], ExportColumnKind.Integer),
        new("sum", ["sum"], ExportColumnKind.Decimal, 4),
        new("cursor", ["cursor"], ExportColumnKind.String),
    ];

    /// <summary>Checks a resume cursor of an event export (400 naming <c>after</c>).</summary>
    public static EventPosition? ParseEventCursor(string? after) =>
        after is null ? null
        : ExportCursors.TryDecode(after, out EventPosition position) ? position
        : throw BadCursor();

    /// <summary>Checks a resume cursor of a roll-up export (400 naming <c>after</c>).</summary>
    public static RollupPosition? ParseRollupCursor(string? after) =>
        after is null ? null
        : ExportCursors.TryDecode(after, out RollupPosition position) ? position
        : throw BadCursor();

    private static ValidationException BadCursor() =>
        new(
            [new("after", "cursor", "after is the cursor of a row of an earlier export of the same kind.", ErrorLocation.Query)],
            "The query string is not valid."
        );

    /// <summary>The events as JSON rows, one page at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> EventRowsAsync(
        EventExportQuery query,
        EventPosition? after,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var limit = options.Value.ExportPageSize;
        while (true)
        {
            var page = await reader.ReadEventsAsync(query, after, limit, cancellationToken);
            if (page.Count > 0)
            {
                yield return [.. page.Select(EventRow)];
                after = page[^1].Position;
            }
            if (page.Count < limit)
            {
                yield break;
            }
        }
    }

    /// <summary>The roll-up counters as JSON rows, one page at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<ReadOnlyMemory<byte>>> RollupRowsAsync(
        RollupExportQuery query,
        RollupPosition? after,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var limit = options.Value.ExportPageSize;
        while (true)
        {
            var page = await reader.ReadRollupsAsync(query, after, limit, cancellationToken);
            if (page.Count > 0)
            {
                yield return [.. page.Select(RollupRow)];
                after = page[^1].Position;
            }
            if (page.Count < limit)
            {
                yield break;
            }
        }
    }

    /// <summary>An event as the export writes it (the timeline's form, plus its cursor).</summary>
    public static ReadOnlyMemory<byte> EventRow(ExportedEvent exported) =>
        Row(writer =>
        {
            var e = exported.Event;
            writer.WriteString("eventId", e.Id);
            writer.WriteString("type", e.Type);
            writer.WriteString("customerId", e.CustomerId);
            writer.WriteString("anonymousId", e.AnonymousId);
            writer.WriteString("timestamp", Instants.Format(e.Timestamp));
            writer.WriteString("receivedAt", Instants.Format(e.ReceivedAt));
            writer.WriteString("page", e.Page);
            writer.WriteBoolean("custom", e.Custom);
            writer.WritePropertyName("properties");
            writer.WriteRawValue(e.Properties.Span, skipInputValidation: true);
            writer.WriteString("cursor", ExportCursors.Encode(exported.Position));
        });

    public static ReadOnlyMemory<byte> RollupRow(ExportedRollup rollup) =>
        Row(writer =>
        {
            writer.WriteString("eventType", rollup.EventType);
            writer.WriteString("granularity", rollup.Granularity.ToString().ToLowerInvariant());
            writer.WriteString("bucketStart", Instants.Format(rollup.BucketStart));
            writer.WriteString("breakdown", rollup.Breakdown.ToString().ToLowerInvariant());
            writer.WriteString("name", rollup.Name);
            writer.WriteString("value", rollup.Value);
            writer.WriteNumber("count", rollup.Count);
            writer.WriteNumber("sum", rollup.Sum);
            writer.WriteString("cursor", ExportCursors.Encode(rollup.Position));
        });

    private static ReadOnlyMemory<byte> Row(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}
