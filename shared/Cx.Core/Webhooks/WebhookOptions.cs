using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Webhooks;

/// <summary>Settings of outbound webhooks, bound from <c>Cx:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Cx:Webhooks";

    /// <summary>The work queue of deliveries.</summary>
    public const string Queue = "webhooks";

    /// <summary>
    /// Local development only: lets subscriptions target loopback, private, link-local and other
    /// non-public addresses, and plain <c>http</c>. Off by default (SSRF protection).
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Time allowed for one delivery request, connection included, in seconds.</summary>
    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>Most bytes of a receiver's response body kept in the delivery log.</summary>
    [Range(0, 65_536)]
    public int MaxLoggedResponseBytes { get; set; } = 4_096;

    /// <summary>A subscription whose deliveries have failed without a success for this many days is disabled, with a notice.</summary>
    [Range(1, 30)]
    public int DisableAfterFailingDays { get; set; } = 5;

    /// <summary>
    /// The folder of the Data Protection key ring that protects signing secrets at rest (embedded:
    /// beside the database, never committed). Every instance that signs must share it.
    /// </summary>
    [Required]
    public string SecretKeysFolder { get; set; } = ".data/webhook-keys";

    /// <summary>Most subscriptions (each is evaluated for every change).</summary>
    [Range(1, 10_000)]
    public int MaxSubscriptions { get; set; } = 500;
}
