using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Cx.Core.Content;
using Cx.Core.Profiles;

namespace Cx.Core.Notifications;

/// <summary>
/// The model a trigger's templates are rendered with, filled from the schemas with a sample value in
/// every field: <c>customer</c> (the profile), <c>document</c> (the changed entry of a content
/// trigger), <c>event</c> (an event trigger's event; its properties are free-form), <c>segment</c>
/// and <c>trigger</c>. Rendering a template strictly against it finds every unknown field at save.
/// </summary>
public static class NotificationSamples
{
    public static async Task<Dictionary<string, object?>> ModelAsync(
        ContentTypeRegistry registry,
        TriggerSource? on,
        CancellationToken cancellationToken,
        NotificationDigest? digest = null
    )
    {
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["customer"] = Entry(await registry.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken)),
            ["trigger"] = "sample",
        };
        switch (on?.Kind)
        {
            case TriggerKinds.Content when on.ContentType is { } type:
                try
                {
                    model["document"] = Entry(await registry.GetSchemaAsync(type, cancellationToken));
                }
                catch (Common.NotFoundException)
                {
                    // reported on /on/contentType
                }
                break;
            case TriggerKinds.Event:
                model["event"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["id"] = "sample",
                    ["type"] = on.EventType,
                    ["timestamp"] = "2026-01-01T00:00:00.000Z",
                    ["properties"] = new AnyProperties(),
                };
                break;
            case TriggerKinds.Segment:
                model["segment"] = on.Segment;
                break;
        }
        // A digest's message reads its items from digest.items[], not document/event/segment.
        return digest is null
            ? model
            : NotificationDigests.SingleItemModel(model, digest, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    private static Dictionary<string, object?> Entry(ContentSchema schema)
    {
        var entry = Fields(schema.Type.Fields, schema, 0);
        entry["id"] = "sample";
        entry["type"] = schema.Key;
        entry["createdAt"] = "2026-01-01T00:00:00.000Z";
        entry["updatedAt"] = "2026-01-01T00:00:00.000Z";
        return entry;
    }

    private static Dictionary<string, object?> Fields(IEnumerable<FieldDefinition> fields, ContentSchema schema, int depth)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            values[field.Name] = Sample(field, schema, depth);
        }
        return values;
    }

    private static object? Sample(FieldDefinition field, ContentSchema schema, int depth)
    {
        object? one = field.Type switch
        {
            FieldType.Integer => 1m,
            FieldType.Number or FieldType.Decimal => 1.5m,
            FieldType.Boolean => true,
            FieldType.DateTime => "2026-01-01T00:00:00.000Z",
            FieldType.Enumeration => field.Values.Count > 0 ? field.Values[0] : "sample",
            FieldType.Relation => "sample",
            FieldType.Component when depth < 8 && field.Component is { } key && schema.Components.TryGetValue(key, out var component) =>
                Fields(component.Fields, schema, depth + 1),
            FieldType.Json or FieldType.Component or FieldType.DynamicZone => new AnyProperties(),
            _ => "sample",
        };
        return field.Repeatable || field.Many || field.Type == FieldType.DynamicZone ? new List<object?> { one } : one;
    }

    /// <summary>Free-form JSON: any member reads as a sample text.</summary>
    private sealed class AnyProperties : IDictionary<string, object?>
    {
        public object? this[string key]
        {
            get => "sample";
            set { }
        }

        public ICollection<string> Keys => [];

        public ICollection<object?> Values => [];

        public int Count => 0;

        public bool IsReadOnly => true;

        public void Add(string key, object? value) { }

        public void Add(KeyValuePair<string, object?> item) { }

        public void Clear() { }

        public bool Contains(KeyValuePair<string, object?> item) => true;

        public bool ContainsKey(string key) => true;

        public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) { }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
            Enumerable.Empty<KeyValuePair<string, object?>>().GetEnumerator();

        public bool Remove(string key) => false;

        public bool Remove(KeyValuePair<string, object?> item) => false;

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
        {
            value = "sample";
            return true;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
