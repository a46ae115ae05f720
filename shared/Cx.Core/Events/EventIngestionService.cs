using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Identity;
using Microsoft.Extensions.Options;

namespace Cx.Core.Events;

/// <summary>One event of a request: its JSON, the pointer of its place in the body and its size in bytes.</summary>
public readonly record struct EventInput(JsonElement Element, string Pointer, int Size);

/// <summary>An event of a batch that was not accepted, with every problem found in it.</summary>
public sealed record RejectedEvent(int Index, IReadOnlyList<FieldError> Errors);

/// <summary>What became of a request's events: the accepted ones are durable on the stream.</summary>
public sealed record IngestionResult(int Accepted, IReadOnlyList<RejectedEvent> Rejected, DateTimeOffset ReceivedAt);

/// <summary>
/// Captures events: validates each one (envelope, size, type, property schema), stamps server
/// time, clamps the timestamp, and appends the valid ones to the event stream. Never reads or
/// writes the document store (the registry is cached).
/// </summary>
/// <remarks>
/// Timestamp rule: <c>timestamp</c> is the client's ISO 8601 instant (server time when
/// absent). One later than server time + <see cref="EventOptions.MaxFutureSkewSeconds"/> is
/// clamped to server time; one older than <see cref="EventOptions.MaxEventAgeDays"/> is
/// rejected (<c>too-old</c>). Anything in between is kept as sent, so late events land in the
/// bucket of when they happened.
/// </remarks>
public sealed class EventIngestionService(
    EventTypeRegistry registry,
    IEventStream stream,
    TimeProvider time,
    IOptions<EventOptions> options
)
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly HashSet<string> EnvelopeProperties = new(StringComparer.Ordinal)
    {
        "type",
        "customerId",
        "anonymousId",
        "timestamp",
        "eventId",
        "page",
        "properties",
    };

    public async Task<IngestionResult> IngestAsync(IReadOnlyList<EventInput> inputs, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var types = await registry.GetAllAsync(cancellationToken);
        var unknownTypes = (await registry.GetSettingsAsync(cancellationToken))?.Definition.UnknownTypes ?? options.Value.UnknownTypes;
        var accepted = new List<TrackedEvent>(inputs.Count);
        var rejected = new List<RejectedEvent>();
        var errors = new List<FieldError>();
        var scratch = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(scratch, WriterOptions);
        for (var i = 0; i < inputs.Count; i++)
        {
            errors.Clear();
            var tracked = Validate(inputs[i], types, unknownTypes, now, errors, writer, scratch);
            if (tracked is null)
            {
                rejected.Add(new RejectedEvent(i, [.. errors]));
            }
            else
            {
                accepted.Add(tracked);
            }
        }
        EnsureOwnEvents(accepted);
        if (accepted.Count > 0)
        {
            await stream.AppendAsync(accepted, cancellationToken);
        }
        return new IngestionResult(accepted.Count, rejected, now);
    }

    /// <summary>
    /// A customer's token writes its own events only: every event must name the caller as its
    /// customer. Checked before anything is appended, so a forged batch writes nothing (403).
    /// </summary>
    private static void EnsureOwnEvents(List<TrackedEvent> accepted)
    {
        var actor = CurrentActor.Get();
        if (!actor.IsSelfOnly(Permissions.EventsWrite))
        {
            return; // the common case, decided once per batch
        }
        foreach (var tracked in accepted)
        {
            actor.EnsureOwns(
                Permissions.EventsWrite,
                tracked.CustomerId,
                "A customer token sends only its own events: every event needs the caller's customerId."
            );
        }
    }

    /// <summary>
    /// Validates one event; returns null and fills <paramref name="errors"/> when it is not valid.
    /// <paramref name="writer"/> over <paramref name="scratch"/> is reused from event to event for the properties.
    /// </summary>
    private TrackedEvent? Validate(
        EventInput input,
        IReadOnlyDictionary<string, EventTypeDefinition> types,
        UnknownEventTypePolicy unknownTypes,
        DateTimeOffset now,
        List<FieldError> errors,
        Utf8JsonWriter writer,
        ArrayBufferWriter<byte> scratch
    )
    {
        var limits = options.Value;
        var element = input.Element;
        var pointer = input.Pointer;
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(pointer, "type", "An event is a JSON object."));
            return null;
        }
        if (input.Size > limits.MaxEventBytes)
        {
            errors.Add(new(pointer, "too-large", $"An event is at most {limits.MaxEventBytes} bytes of JSON (got {input.Size})."));
            return null;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (!EnvelopeProperties.Contains(property.Name))
            {
                errors.Add(
                    new(
                        JsonPointer.Append(pointer, property.Name),
                        "unknown-field",
                        $"'{property.Name}' is not part of an event; put custom data in 'properties'."
                    )
                );
            }
        }

        var typeKey = ReadString(element, "type", pointer, errors, required: true);
        if (typeKey is not null && !EventTypeRegistry.IsEventTypeKey(typeKey))
        {
            errors.Add(
                new(JsonPointer.Append(pointer, "type"), "type-name", "Must be 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter.")
            );
            typeKey = null;
        }
        if (typeKey is not null && BuiltInEventTypes.IsSystemOnly(typeKey))
        {
            errors.Add(
                new(JsonPointer.Append(pointer, "type"), "system-event", $"'{typeKey}' is emitted by Cx itself; clients cannot send it.")
            );
            typeKey = null;
        }
        EventTypeDefinition? definition = null;
        if (typeKey is not null && !types.TryGetValue(typeKey, out definition) && unknownTypes == UnknownEventTypePolicy.Reject)
        {
            errors.Add(new(JsonPointer.Append(pointer, "type"), "unknown-event-type", $"'{typeKey}' is not a registered event type."));
        }

        var customerId = ReadIdentifier(element, "customerId", pointer, errors);
        var anonymousId = ReadIdentifier(element, "anonymousId", pointer, errors);
        if (
            customerId is null
            && anonymousId is null
            && !element.TryGetProperty("customerId", out _)
            && !element.TryGetProperty("anonymousId", out _)
        )
        {
            errors.Add(
                new(JsonPointer.Append(pointer, "customerId"), "subject-required", "An event needs a customerId or an anonymousId.")
            );
        }

        var timestamp = now;
        var timestampText = ReadString(element, "timestamp", pointer, errors, required: false);
        if (timestampText is not null)
        {
            if (!Instants.TryParse(timestampText, out var parsed))
            {
                errors.Add(
                    new(JsonPointer.Append(pointer, "timestamp"), "date-time", "Must be an ISO 8601 instant such as 2026-11-25T10:30:00Z.")
                );
            }
            else if (parsed < now.AddDays(-limits.MaxEventAgeDays))
            {
                errors.Add(
                    new(
                        JsonPointer.Append(pointer, "timestamp"),
                        "too-old",
                        $"Events older than {limits.MaxEventAgeDays} days are not accepted."
                    )
                );
            }
            else
            {
                timestamp = parsed > now.AddSeconds(limits.MaxFutureSkewSeconds) ? now : parsed;
            }
        }

        var eventId = ReadString(element, "eventId", pointer, errors, required: false);
        if (eventId is not null && !IdentityRules.IsWellFormed(eventId))
        {
            errors.Add(new(JsonPointer.Append(pointer, "eventId"), "event-id", "Must be 1-128 of letters, digits and . _ : @ -."));
        }

        var page = ReadString(element, "page", pointer, errors, required: false);
        if (page is { Length: > 2048 })
        {
            errors.Add(new(JsonPointer.Append(pointer, "page"), "max-length", "Must be at most 2048 characters."));
        }

        byte[] properties = [(byte)'{', (byte)'}'];
        var hasProperties = element.TryGetProperty("properties", out var props);
        if (hasProperties && props.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(JsonPointer.Append(pointer, "properties"), "type", "Must be a JSON object."));
        }
        else if (hasProperties || definition is not null)
        {
            scratch.ResetWrittenCount();
            writer.Reset();
            WriteProperties(props, definition, pointer, errors, ref page, writer);
            writer.Flush();
            properties = scratch.WrittenSpan.ToArray();
        }

        if (errors.Count > 0)
        {
            return null;
        }
        return new TrackedEvent
        {
            Id = eventId ?? Ids.New(time),
            Type = typeKey!,
            CustomerId = customerId,
            AnonymousId = anonymousId,
            Timestamp = timestamp,
            ReceivedAt = now,
            Page = page,
            Custom = definition is null,
            Properties = properties,
        };
    }

    /// <summary>
    /// Writes the normalised properties of an event (<paramref name="props"/> is default when it has
    /// none): declared ones validated against their field, defaults filled in, nulls dropped. Pointers
    /// are built only for errors.
    /// </summary>
    private static void WriteProperties(
        JsonElement props,
        EventTypeDefinition? definition,
        string eventPointer,
        List<FieldError> errors,
        ref string? page,
        Utf8JsonWriter writer
    )
    {
        writer.WriteStartObject();
        var declared = definition?.Properties.Count ?? 0;
        Span<bool> present = declared <= 64 ? stackalloc bool[declared] : new bool[declared];
        if (props.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in props.EnumerateObject())
            {
                var index = IndexOfProperty(definition, property);
                if (index < 0)
                {
                    if (definition is { AdditionalProperties: false })
                    {
                        var name = property.Name;
                        errors.Add(
                            new(
                                PropertyPointer(eventPointer, name),
                                "unknown-property",
                                $"'{name}' is not a property of '{definition.Key}'."
                            )
                        );
                        continue;
                    }
                    if (property.Value.ValueKind == JsonValueKind.Null)
                    {
                        continue;
                    }
                    property.WriteTo(writer);
                    if (page is null && property.Value.ValueKind == JsonValueKind.String && property.NameEquals("page"u8))
                    {
                        page = property.Value.GetString();
                    }
                    continue;
                }
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue; // a declared property sent as null counts as absent: its default applies, or it is missing
                }
                var field = definition!.Properties[index];
                present[index] = true;
                var before = errors.Count;
                var normalised = EntryValidator.ValidateValue(null, field, ToNode(property.Value), "", errors);
                for (var i = before; i < errors.Count; i++)
                {
                    // Validated against an empty pointer, so the property's own pointer is built only when it is wrong.
                    errors[i] = errors[i] with
                    {
                        Path = PropertyPointer(eventPointer, field.Name) + errors[i].Path,
                    };
                }
                if (normalised is not null)
                {
                    writer.WritePropertyName(field.Name);
                    normalised.WriteTo(writer);
                }
                if (page is null && field.Name == "page" && property.Value.ValueKind == JsonValueKind.String)
                {
                    page = property.Value.GetString();
                }
            }
        }
        if (definition is not null)
        {
            for (var i = 0; i < present.Length; i++)
            {
                var field = definition.Properties[i];
                if (present[i])
                {
                    continue;
                }
                if (field.Default is not null)
                {
                    writer.WritePropertyName(field.Name);
                    writer.WriteRawValue(field.Default.Json);
                }
                else if (field.Required)
                {
                    errors.Add(
                        new(PropertyPointer(eventPointer, field.Name), "required", $"'{field.Name}' is required for '{definition.Key}'.")
                    );
                }
            }
        }
        writer.WriteEndObject();
    }

    /// <summary>The index of the declared property named like <paramref name="property"/> (compared without reading its name into a string), or -1.</summary>
    private static int IndexOfProperty(EventTypeDefinition? definition, JsonProperty property)
    {
        if (definition is null)
        {
            return -1;
        }
        for (var i = 0; i < definition.Properties.Count; i++)
        {
            if (property.NameEquals(definition.Properties[i].Name))
            {
                return i;
            }
        }
        return -1;
    }

    private static string PropertyPointer(string eventPointer, string name) =>
        JsonPointer.Append(JsonPointer.Append(eventPointer, "properties"), name);

    /// <summary>A scalar wraps the element (no parse, no copy); objects and arrays become a DOM.</summary>
    private static JsonNode? ToNode(JsonElement value) =>
        value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? JsonNode.Parse(value.GetRawText()) : JsonValue.Create(value);

    private static string? ReadString(JsonElement element, string name, string pointer, List<FieldError> errors, bool required)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new(JsonPointer.Append(pointer, name), "required", $"'{name}' is required."));
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(JsonPointer.Append(pointer, name), "type", $"'{name}' must be a string."));
            return null;
        }
        return value.GetString();
    }

    private static string? ReadIdentifier(JsonElement element, string name, string pointer, List<FieldError> errors)
    {
        var value = ReadString(element, name, pointer, errors, required: false);
        if (value is null)
        {
            return null;
        }
        if (IdentityRules.Check(value) is { } problem)
        {
            errors.Add(new(JsonPointer.Append(pointer, name), problem.Code, problem.Detail));
            return null;
        }
        return value;
    }
}
