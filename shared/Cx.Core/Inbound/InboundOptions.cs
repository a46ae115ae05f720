using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Inbound;

/// <summary>Settings of inbound webhooks (Zendesk, Intercom, mapped vendors), bound from <c>Cx:Inbound</c>.</summary>
public sealed class InboundOptions
{
    public const string Section = "Cx:Inbound";

    /// <summary>A delivery whose signed time is further than this from now (either way) is refused as a replay.</summary>
    [Range(30, 3600)]
    public int ReplayWindowSeconds { get; set; } = 300;

    /// <summary>Most bytes of one delivery's body (413 beyond).</summary>
    [Range(1024, 4_194_304)]
    public int MaxBodyBytes { get; set; } = 1_048_576;

    /// <summary>
    /// Signing secrets by name (<c>Cx:Inbound:Secrets:zendesk</c>); a source's document names one.
    /// In Azure each is an app setting holding a Key Vault reference. A source whose secret is not
    /// set refuses every delivery.
    /// </summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.Ordinal);
}
