using System.Security.Cryptography;
using System.Text;

namespace Cx.Core.Notifications;

/// <summary>
/// One message to one customer on one channel, already rendered. <see cref="IdempotencyKey"/> names
/// what caused it (a trigger and a change id); with the channel it makes the delivery id, so the
/// same cause sends once per channel however often it is handed over.
/// </summary>
public sealed record NotificationMessage
{
    public required string CustomerId { get; init; }

    /// <summary>A channel name of <c>Cx:Notifications:Channels</c>.</summary>
    public required string Channel { get; init; }

    /// <summary>What caused the message: <c>{trigger}|{change id}</c> for a trigger, the caller's key for a direct send.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>The trigger that produced it, if any.</summary>
    public string? Trigger { get; init; }

    /// <summary>The topic preferences are kept by (<c>transactional</c>, <c>marketing</c>, <c>orders</c>, ...).</summary>
    public string Topic { get; init; } = "transactional";

    /// <summary>Critical transactional messages pass marketing preferences, quiet hours and caps, never an opt-out of the channel.</summary>
    public bool Critical { get; init; }

    public string? Subject { get; init; }

    public required string Body { get; init; }

    /// <summary>A digest's message: the digest and the causes it lists (shown in the delivery log).</summary>
    public NotificationDigestSummary? Digest { get; init; }

    /// <summary>The delivery id: <c>ntf_</c> and 32 hexadecimal digits of SHA-256 over the idempotency key and the channel.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string DeliveryId => DeliveryIdOf(IdempotencyKey, Channel);

    public static string DeliveryIdOf(string idempotencyKey, string channel)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey + "\n" + channel), hash);
        return "ntf_" + Convert.ToHexStringLower(hash[..16]);
    }
}

/// <summary>
/// What became of a send: the delivery's status (<c>delivered</c>, <c>failed</c>, <c>suppressed</c>, or
/// <c>queued</c> when quiet hours hold it until <see cref="HeldUntil"/>) and why.
/// </summary>
public sealed record NotificationResult(
    string DeliveryId,
    string Status,
    string? Reason,
    bool Duplicate = false,
    DateTimeOffset? HeldUntil = null
)
{
    /// <summary>A failure worth another attempt (the transport failed; nothing was refused for good).</summary>
    public bool ShouldRetry => Status == NotificationStatuses.Failed;
}

public static class NotificationStatuses
{
    /// <summary>Logged, not yet handed to the transport (or held by quiet hours: the entry's <c>heldUntil</c>).</summary>
    public const string Queued = "queued";

    /// <summary>Handed to the transport; what it answered follows as <see cref="Delivered"/> or <see cref="Failed"/>.</summary>
    public const string Sent = "sent";

    /// <summary>The provider accepted it: SMTP 250 after DATA, an http channel's 2xx, the inbox write.</summary>
    public const string Delivered = "delivered";

    public const string Failed = "failed";
    public const string Suppressed = "suppressed";

    /// <summary>Final: a delivery with this status is not sent again.</summary>
    public static bool IsFinal(string status) => status is Delivered or Suppressed;
}

/// <summary>What a transport answered: accepted, or the error (<see cref="Permanent"/> when trying again cannot help).</summary>
public sealed record ChannelOutcome(bool Accepted, string? Error = null, bool Permanent = false, string? Detail = null)
{
    public static ChannelOutcome Ok(string? detail = null) => new(true, null, false, detail);
}

/// <summary>An e-mail as the smtp channel sends it.</summary>
public sealed record EmailMessage(
    string To,
    string? ToName,
    string Subject,
    string TextBody,
    IReadOnlyList<KeyValuePair<string, string>> Headers
);

/// <summary>Sends e-mail over SMTP (the MailKit adapter lives in Cx.Http). Never throws for the server's refusal.</summary>
public interface IEmailTransport
{
    ValueTask<ChannelOutcome> SendAsync(EmailMessage message, NotificationChannelOptions channel, CancellationToken cancellationToken);
}

/// <summary>A rendered request of an http channel.</summary>
public sealed record HttpChannelRequest(
    string Method,
    string Url,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? Body,
    string ContentType
);

/// <summary>Sends an http channel's request (the adapter in Cx.Http reuses the SSRF guard of webhooks). Never throws for the receiver's failure.</summary>
public interface IHttpChannelTransport
{
    ValueTask<ChannelOutcome> SendAsync(HttpChannelRequest request, CancellationToken cancellationToken);
}
