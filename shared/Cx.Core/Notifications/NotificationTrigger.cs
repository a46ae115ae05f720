using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Notifications;

/// <summary>
/// A notification trigger: a definition document (<c>notificationTrigger</c>) saying on which change
/// or event, for which customers (a condition in the shared rule language over the profile), after
/// what delay, which message goes out on which channels. Marketers change it without a deploy.
/// </summary>
public sealed record NotificationTrigger
{
    /// <summary><c>[a-z][a-z0-9_-]{0,63}</c>; part of every delivery's idempotency key.</summary>
    public required string Key { get; init; }

    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool Enabled { get; init; } = true;

    /// <summary>What fires it.</summary>
    public required TriggerSource On { get; init; }

    /// <summary>A condition over the customer's profile (the rule language of segments); none: every customer.</summary>
    public JsonLiteral? Condition { get; init; }

    /// <summary>How long after the change the send happens (ISO 8601 duration, <c>PT10M</c>); none: at once.</summary>
    public string? Delay { get; init; }

    /// <summary>
    /// Collect instead of sending at once: the messages of a period, grouped by the customer, the trigger
    /// and <see cref="NotificationDigest.Keys"/>, go out as ONE message listing them when the period ends.
    /// </summary>
    public NotificationDigest? Digest { get; init; }

    /// <summary>The channels to send on (names of <c>Cx:Notifications:Channels</c>).</summary>
    public EquatableArray<string> Channels { get; init; }

    /// <summary>The topic the customer's preferences are kept by.</summary>
    public string Topic { get; init; } = "transactional";

    /// <summary>A critical transactional message: passes topic preferences, quiet hours and caps, never a channel opt-out.</summary>
    public bool Critical { get; init; }

    /// <summary>The messages: one per channel and language (<c>default</c> is the fallback), Liquid templates.</summary>
    public EquatableArray<NotificationTemplate> Templates { get; init; }

    public int Version { get; init; } = 1;

    public static bool IsKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 64 || !char.IsAsciiLetterLower(key[0]))
        {
            return false;
        }
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>
/// What fires a trigger: <c>content</c> (a <see cref="ContentType"/> entry <c>created</c>, <c>updated</c>, or
/// its <see cref="Field"/> becoming <see cref="Becomes"/>), <c>event</c> (a behavioural
/// <see cref="EventType"/> such as <c>cart_abandoned</c>) or <c>segment</c> (the customer
/// <c>entered</c> or <c>exited</c> <see cref="Segment"/>).
/// </summary>
public sealed record TriggerSource
{
    /// <summary><c>content</c>, <c>event</c> or <c>segment</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>content: the content type (<c>order</c>, <c>support-ticket</c>); its entries must have a <c>customer</c> field.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>content: <c>created</c> or <c>updated</c>.</summary>
    public string? Change { get; init; }

    /// <summary>content, updated: the field to watch (<c>status</c>).</summary>
    public string? Field { get; init; }

    /// <summary>content, updated: fire only when <see cref="Field"/> changes to this value.</summary>
    public string? Becomes { get; init; }

    /// <summary>event: the event type.</summary>
    public string? EventType { get; init; }

    /// <summary>segment: the segment's key.</summary>
    public string? Segment { get; init; }

    /// <summary>segment: <c>entered</c> or <c>exited</c>.</summary>
    public string? Transition { get; init; }
}

/// <summary>One message of a trigger: for a channel and a language, a subject (e-mail) and a body.</summary>
public sealed record NotificationTemplate
{
    public required string Channel { get; init; }

    /// <summary>A language tag (<c>en</c>, <c>pt-PT</c>) or <c>default</c>, the fallback.</summary>
    public string Language { get; init; } = "default";

    public string? Subject { get; init; }

    public required string Body { get; init; }
}

/// <summary>
/// A trigger's digest: the first message for a key opens a digest that collects for <see cref="Period"/>;
/// then one message is rendered with every collected item (<c>digest.items</c>) and sent.
/// </summary>
public sealed record NotificationDigest
{
    /// <summary>How long a digest collects after its first item (ISO 8601 duration, <c>PT1H</c>, <c>P1D</c>): 1 second to 31 days.</summary>
    public required string Period { get; init; }

    /// <summary>
    /// What the items are grouped by besides the customer and the trigger (always part of the key):
    /// <c>document.{field}</c> (a top-level field of a content trigger's type), <c>event.type</c>,
    /// <c>event.properties.{name}</c>, <c>segment</c>. None: one digest per customer and trigger.
    /// </summary>
    public EquatableArray<string> Keys { get; init; }
}
