using System.Text.Json.Serialization;
using Cx.Core.Common;

namespace Cx.Core.Webhooks;

/// <summary>
/// A webhook subscription: a definition document (<c>webhookSubscription</c>) naming the events a
/// receiver wants, where to POST them and the secrets that sign them. Immutable; compares by
/// value, so an unchanged save writes nothing.
/// </summary>
public sealed record WebhookSubscription
{
    /// <summary>The subscription's id: <c>[a-z][a-z0-9_-]{0,63}</c>. Deliveries are ordered per subscription.</summary>
    public required string Key { get; init; }

    /// <summary>Where deliveries are POSTed: an absolute <c>https</c> URL (plain <c>http</c> only when private addresses are allowed).</summary>
    public required string Url { get; init; }

    /// <summary>
    /// Event types delivered: <c>{documentType}.{created|updated|deleted}</c> (<c>supportTicket.updated</c>),
    /// <c>{documentType}.*</c> for all three, or <c>*</c> for every change.
    /// </summary>
    public EquatableArray<string> EventTypes { get; init; }

    /// <summary>
    /// Narrows the event types: only updates that changed named fields, and/or only documents that
    /// meet a rule (see <see cref="WebhookFilter"/>). None: every event of the types is delivered.
    /// </summary>
    public WebhookFilter? Filter { get; init; }

    /// <summary>
    /// Signing secrets, <c>whsec_</c> + base64 of 24 to 64 random bytes. Every secret that has not
    /// expired signs each delivery (one <c>v1,</c> signature each), so a receiver can move to a new
    /// secret while the old one still verifies: add the new one, then give the old one an expiry.
    /// </summary>
    public EquatableArray<WebhookSecret> Secrets { get; init; }

    /// <summary>Whether deliveries are sent. Cx turns it off after five days of failures (see <see cref="DisabledReason"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool Enabled { get; init; } = true;

    /// <summary>Why the subscription was disabled by Cx (auto-disable notice); cleared when it is enabled again.</summary>
    public string? DisabledReason { get; init; }

    public string? Description { get; init; }

    /// <summary>Increments with every change.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Whether this subscription wants <paramref name="eventType"/> (<c>type.kind</c>).</summary>
    public bool Wants(string eventType)
    {
        foreach (var pattern in EventTypes)
        {
            if (pattern == "*" || string.Equals(pattern, eventType, StringComparison.Ordinal))
            {
                return true;
            }
            if (
                pattern.EndsWith(".*", StringComparison.Ordinal)
                && eventType.Length > pattern.Length - 1
                && eventType.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
            )
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// A signing secret and, during a rotation, the instant it stops signing. A client sends
/// <see cref="Value"/> for a new secret, or <see cref="Id"/> to keep one the subscription has; Cx
/// stores only <see cref="Id"/> and <see cref="Protected"/>, so a read never shows the value.
/// </summary>
public sealed record WebhookSecret
{
    /// <summary>The secret (<c>whsec_</c> + base64): input only, never stored or returned by a read.</summary>
    public string? Value { get; init; }

    /// <summary>The secret's public name (<c>sec_</c> + 12 hex digits of its SHA-256), set by Cx.</summary>
    public string? Id { get; init; }

    /// <summary>The secret protected at rest (ASP.NET Core Data Protection), set by Cx; ignored in input.</summary>
    public string? Protected { get; init; }

    /// <summary>Instant (RFC 3339, UTC) after which this secret no longer signs; none: until removed.</summary>
    public string? ExpiresAt { get; init; }
}
