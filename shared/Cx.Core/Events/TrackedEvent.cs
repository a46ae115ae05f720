using System.Buffers;
using System.Text;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;

namespace Cx.Core.Events;

/// <summary>
/// A validated, server-stamped event as it travels on the stream and is stored. The subject
/// is the customer when known, else the anonymous visitor. <see cref="Id"/> is the client's
/// event id when it sent one, else a server id; (subject, id) is the idempotency key.
/// </summary>
public sealed record TrackedEvent
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public string? CustomerId { get; init; }

    public string? AnonymousId { get; init; }

    /// <summary>When it happened (the client timestamp, clamped; see <see cref="EventOptions.MaxFutureSkewSeconds"/>).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>When the server accepted it.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The page it happened on: the event's <c>page</c>, else its <c>properties.page</c>.</summary>
    public string? Page { get; init; }

    /// <summary>Accepted as a custom event (its type is not in the registry).</summary>
    public bool Custom { get; init; }

    /// <summary>The properties, a UTF-8 JSON object.</summary>
    public ReadOnlyMemory<byte> Properties { get; init; } = "{}"u8.ToArray();

    /// <summary>The subject key: <c>c:</c> + customer id, or <c>a:</c> + anonymous id (two separate namespaces).</summary>
    public string Subject => CustomerId is not null ? SubjectKeys.Customer(CustomerId) : SubjectKeys.Anonymous(AnonymousId!);

    /// <summary>The 128-bit idempotency key: a hash of the subject and the event id.</summary>
    public UInt128 DedupeKey => EventCodec.DedupeKey(Subject, Id);
}

/// <summary>Subject keys keep customer ids and anonymous ids apart.</summary>
public static class SubjectKeys
{
    public static string Customer(string customerId) => "c:" + customerId;

    public static string Anonymous(string anonymousId) => "a:" + anonymousId;

    public static bool IsCustomer(string subject) => subject.StartsWith("c:", StringComparison.Ordinal);

    public static string IdOf(string subject) => subject[2..];
}

/// <summary>
/// The wire form of <see cref="TrackedEvent"/>: one compact JSON object per event, joined
/// as NDJSON on the stream, in log rows and in archives.
/// <c>{"id","type","cid","aid","ts","rt","page","custom","props"}</c>, times in Unix milliseconds.
/// </summary>
public static class EventCodec
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static UInt128 DedupeKey(string subject, string id)
    {
        var length = Encoding.UTF8.GetMaxByteCount(subject.Length + id.Length + 1);
        var rented = length <= 512 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> buffer = rented ?? stackalloc byte[512];
        try
        {
            var written = Encoding.UTF8.GetBytes(subject, buffer);
            buffer[written++] = (byte)'\n';
            written += Encoding.UTF8.GetBytes(id, buffer[written..]);
            return System.IO.Hashing.XxHash128.HashToUInt128(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes one event as a JSON object (no trailing newline).</summary>
    public static void Write(IBufferWriter<byte> output, TrackedEvent e)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        Write(writer, e);
    }

    public static void Write(Utf8JsonWriter writer, TrackedEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, e.Id);
        writer.WriteString("type"u8, e.Type);
        if (e.CustomerId is not null)
        {
            writer.WriteString("cid"u8, e.CustomerId);
        }
        if (e.AnonymousId is not null)
        {
            writer.WriteString("aid"u8, e.AnonymousId);
        }
        writer.WriteNumber("ts"u8, e.Timestamp.ToUnixTimeMilliseconds());
        writer.WriteNumber("rt"u8, e.ReceivedAt.ToUnixTimeMilliseconds());
        if (e.Page is not null)
        {
            writer.WriteString("page"u8, e.Page);
        }
        if (e.Custom)
        {
            writer.WriteBoolean("custom"u8, true);
        }
        writer.WritePropertyName("props"u8);
        writer.WriteRawValue(e.Properties.Span, skipInputValidation: true);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Encodes events as NDJSON (one object per line, each line ending in '\n') into a buffer rented
    /// from the shared pool, so a batch of hundreds of events does not become a large object on the
    /// heap; dispose it to give the buffer back.
    /// </summary>
    public static ArrayPoolBufferWriter<byte> EncodeLines(IReadOnlyList<TrackedEvent> events)
    {
        var buffer = new ArrayPoolBufferWriter<byte>(Math.Max(256, events.Count * 256));
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        foreach (var e in events)
        {
            Write(writer, e);
            writer.Flush();
            writer.Reset();
            buffer.Write("\n"u8);
        }
        return buffer;
    }

    /// <summary>Decodes NDJSON produced by <see cref="EncodeLines"/> from memory the caller does not keep: each event's properties are copied.</summary>
    public static void DecodeLines(ReadOnlySpan<byte> lines, List<TrackedEvent> into)
    {
        var rest = lines;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!line.IsEmpty)
            {
                into.Add(Decode(line, default));
            }
        }
    }

    public static TrackedEvent Decode(ReadOnlyMemory<byte> json) => Decode(json.Span, json);

    /// <summary>Decodes one record; its properties slice <paramref name="owner"/> (the same bytes as <paramref name="json"/>) or, without one, are copied.</summary>
    private static TrackedEvent Decode(ReadOnlySpan<byte> json, ReadOnlyMemory<byte> owner)
    {
        var reader = new Utf8JsonReader(json);
        string? id = null,
            type = null,
            cid = null,
            aid = null,
            page = null;
        long ts = 0,
            rt = 0;
        var custom = false;
        ReadOnlyMemory<byte> props = default;
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("An event record is a JSON object.");
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("props"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                props = owner.IsEmpty ? json[start..(int)reader.BytesConsumed].ToArray() : owner[start..(int)reader.BytesConsumed];
                continue;
            }
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("id"u8))
            {
                id = reader.GetString();
            }
            else if (name.SequenceEqual("type"u8))
            {
                type = reader.GetString();
            }
            else if (name.SequenceEqual("cid"u8))
            {
                cid = reader.GetString();
            }
            else if (name.SequenceEqual("aid"u8))
            {
                aid = reader.GetString();
            }
            else if (name.SequenceEqual("ts"u8))
            {
                ts = reader.GetInt64();
            }
            else if (name.SequenceEqual("rt"u8))
            {
                rt = reader.GetInt64();
            }
            else if (name.SequenceEqual("page"u8))
            {
                page = reader.GetString();
            }
            else if (name.SequenceEqual("custom"u8))
            {
                custom = reader.GetBoolean();
            }
            else
            {
                reader.Skip();
            }
        }
        if (id is null || type is null || (cid is null && aid is null))
        {
            throw new FormatException("An event record needs id, type and a subject.");
        }
        return new TrackedEvent
        {
            Id = id,
            Type = type,
            CustomerId = cid,
            AnonymousId = aid,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ts),
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(rt),
            Page = page,
            Custom = custom,
            Properties = props.IsEmpty ? "{}"u8.ToArray() : props,
        };
    }
}
