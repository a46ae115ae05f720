using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Events;

/// <summary>
/// An event type: a definition document (like a content type) that names an event and the
/// schema of its properties. Immutable; compares by value, so an unchanged save is a no-op.
/// </summary>
public sealed record EventTypeDefinition
{
    /// <summary>The event name clients send: <c>[a-z][a-z0-9_.-]{0,63}</c>, for example <c>add_to_cart</c>.</summary>
    public required string Key { get; init; }

    public required string DisplayName { get; init; }

    public string? Description { get; init; }

    /// <summary>The declared properties, validated with the content model's field rules (scalars, text and JSON).</summary>
    public EquatableArray<FieldDefinition> Properties { get; init; }

    /// <summary>Whether properties that are not declared are kept (true) or rejected (false).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool AdditionalProperties { get; init; } = true;

    /// <summary>Declared properties (string, enumeration, boolean or integer) whose values get their own roll-up rows.</summary>
    public EquatableArray<string> RollupDimensions { get; init; }

    /// <summary>A declared numeric property summed into the roll-ups (revenue of a purchase).</summary>
    public string? ValueProperty { get; init; }

    /// <summary>Built in and relied upon by the product: cannot be deleted or lose built-in properties.</summary>
    public bool BuiltIn { get; init; }

    /// <summary>Increments with every change.</summary>
    public int Version { get; init; } = 1;

    public FieldDefinition? FindProperty(string name)
    {
        foreach (var property in Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property;
            }
        }
        return null;
    }
}

/// <summary>What happens to an event whose type is not in the registry.</summary>
public enum UnknownEventTypePolicy
{
    /// <summary>Accepted as a custom event: any properties, within the size limits.</summary>
    Custom,

    /// <summary>Rejected with <c>unknown-event-type</c>.</summary>
    Reject,
}

/// <summary>
/// Registry-wide settings, a definition document (<c>type = eventTypeSettings</c>, id
/// <c>settings</c>) that marketers change through the API. Absent, <see cref="EventOptions"/> decides.
/// </summary>
public sealed record EventTypeSettings
{
    /// <summary>What happens to events whose type is not registered.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public UnknownEventTypePolicy UnknownTypes { get; init; } = UnknownEventTypePolicy.Custom;
}
