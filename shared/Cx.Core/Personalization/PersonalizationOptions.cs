using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Personalization;

/// <summary>Settings of personalization, bound from <c>Cx:Personalization</c>.</summary>
public sealed class PersonalizationOptions
{
    public const string Section = "Cx:Personalization";

    /// <summary>Placements one decision request may name, at most.</summary>
    [Range(1, 50)]
    public int MaxPlacementsPerRequest { get; set; } = 20;

    /// <summary>
    /// How long the decision path keeps placements, entries and customer profiles cached (0: no
    /// cache). Changes expire them sooner, by tag, through the lifecycle hook; this is the backstop.
    /// </summary>
    [Range(0, 86_400)]
    public int CacheSeconds { get; set; } = 300;

    /// <summary>
    /// How long an instance keeps a value in memory before asking L2 again. Tag expiry reaches every
    /// instance's memory only through this (HybridCache does not evict other instances' L1), so keep it short
    /// when several instances share an L2.
    /// </summary>
    [Range(0, 86_400)]
    public int LocalCacheSeconds { get; set; } = 1;

    /// <summary>A CDN purge endpoint: each tag expiry is POSTed there as <c>{"tags":[...]}</c> (empty: no purge).</summary>
    public string? CdnPurgeUrl { get; set; }

    /// <summary>How long a shareable (anonymous, context-only) decision may be cached by browsers and CDNs.</summary>
    [Range(0, 86_400)]
    public int SharedMaxAgeSeconds { get; set; } = 60;

    /// <summary>The lifetime of an edge token (<c>GET /api/v1/personalize/token</c>): short, since segments change.</summary>
    [Range(30, 3600)]
    public int EdgeTokenSeconds { get; set; } = 300;

    /// <summary>The share of live decisions written to the decision log (0: none, 1: every one).</summary>
    [Range(0.0, 1.0)]
    public double DecisionLogSampleRate { get; set; } = 0.01;

    /// <summary>How long a logged decision is kept (Cosmos DB expires it by ttl; embedded mode deletes it, see <see cref="DecisionLogExpiryMinutes"/>).</summary>
    [Range(1, 365)]
    public int DecisionLogRetentionDays { get; set; } = 14;

    /// <summary>Embedded mode: how often the decisions older than <see cref="DecisionLogRetentionDays"/> are deleted (also once at start).</summary>
    [Range(1, 1440)]
    public int DecisionLogExpiryMinutes { get; set; } = 60;

    /// <summary>The request header that names the visitor's country (ISO 3166-1 alpha-2), as a CDN or proxy sets it.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9-]{1,64}$")]
    public string CountryHeader { get; set; } = "CF-IPCountry";
}
