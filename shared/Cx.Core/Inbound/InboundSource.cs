using System.Text.Json.Serialization;
using Cx.Core.Common;

namespace Cx.Core.Inbound;

/// <summary>
/// An inbound webhook source: a definition document (<c>inboundSource</c>) saying how deliveries of
/// one vendor reach Cx at <c>/api/v1/inbound/{key}</c>: how they are signed, where the delivery id,
/// time and customer are in the payload, and JSON Pointer mappings into a ticket and an interaction.
/// Zendesk and Intercom are built in; any other vendor is one more document, no code. The signing
/// secret is never in the document: <see cref="InboundSignature.Secret"/> names a setting.
/// </summary>
public sealed record InboundSource
{
    /// <summary>The route key: <c>[a-z][a-z0-9-]{0,31}</c>; also the <c>system</c> of the external ids it writes.</summary>
    public required string Key { get; init; }

    public string? Description { get; init; }

    /// <summary>Whether deliveries are accepted (a disabled source answers 404).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool Enabled { get; init; } = true;

    public required InboundSignature Signature { get; init; }

    /// <summary>JSON Pointer to the vendor's delivery id; none (or absent in a payload): the SHA-256 of the body.</summary>
    public string? DeliveryId { get; init; }

    /// <summary>
    /// JSON Pointer to the time the vendor sent the delivery (an RFC 3339 string or Unix seconds),
    /// for schemes without a signed timestamp header. One of the two is required: older than the
    /// replay window is refused.
    /// </summary>
    public string? Timestamp { get; init; }

    /// <summary>Where the Cx customer is in the payload: its id, else its e-mail.</summary>
    public required InboundCustomer Customer { get; init; }

    /// <summary>The ticket the payload describes (one per external id), or none.</summary>
    public InboundTarget? Ticket { get; init; }

    /// <summary>The interaction the delivery records (one per delivery), or none.</summary>
    public InboundTarget? Interaction { get; init; }

    /// <summary>Increments with every change.</summary>
    public int Version { get; init; } = 1;
}

/// <summary>
/// How a vendor signs: an HMAC (<see cref="Algorithm"/>) keyed with the secret over the timestamp
/// header's value (when <see cref="TimestampHeader"/> is set) followed by the raw body, encoded as
/// <see cref="Encoding"/> in <see cref="Header"/> after <see cref="Prefix"/>.
/// </summary>
public sealed record InboundSignature
{
    /// <summary>The header holding the signature (<c>X-Zendesk-Webhook-Signature</c>, <c>X-Hub-Signature</c>).</summary>
    public required string Header { get; init; }

    /// <summary><c>sha256</c>, <c>sha1</c> or <c>sha512</c>.</summary>
    public string Algorithm { get; init; } = "sha256";

    /// <summary><c>base64</c> or <c>hex</c>.</summary>
    public string Encoding { get; init; } = "hex";

    /// <summary>Text before the signature in the header (<c>sha1=</c>), if any.</summary>
    public string? Prefix { get; init; }

    /// <summary>A header whose value is signed before the body and is the delivery's time (RFC 3339 or Unix seconds).</summary>
    public string? TimestampHeader { get; init; }

    /// <summary>The name of the secret: the setting <c>Cx:Inbound:Secrets:{name}</c> (a Key Vault reference in Azure).</summary>
    public required string Secret { get; init; }
}

/// <summary>JSON Pointers to the customer: its Cx id, else its e-mail (looked up among customers).</summary>
public sealed record InboundCustomer
{
    public string? Id { get; init; }

    public string? Email { get; init; }
}

/// <summary>A mapping into a ticket or an interaction: the external id and the fields.</summary>
public sealed record InboundTarget
{
    /// <summary>JSON Pointer to the vendor's id of the ticket or conversation (kept in <c>externalIds</c>).</summary>
    public required string ExternalId { get; init; }

    public EquatableArray<InboundField> Fields { get; init; }
}

/// <summary>
/// One field: the value at <see cref="Pointer"/>, translated through <see cref="Values"/> when
/// given; <see cref="Value"/> when there is no pointer, nothing at it, or no translation for it.
/// </summary>
public sealed record InboundField
{
    /// <summary>The Cx field (ticket: subject, description, status, priority, channel, assignee; interaction: kind, direction, summary, body, agent).</summary>
    public required string Name { get; init; }

    public string? Pointer { get; init; }

    /// <summary>A constant, or the default when the pointer finds nothing usable.</summary>
    public string? Value { get; init; }

    /// <summary>Vendor value → Cx value (compared ignoring case).</summary>
    public EquatableArray<InboundValue> Values { get; init; }
}

public sealed record InboundValue
{
    public required string From { get; init; }

    public required string To { get; init; }
}
