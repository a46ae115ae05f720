using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Personalization;

/// <summary>Settings of personalization, bound from <c>Cx:Personalization</c>.</summary>
public sealed class PersonalizationOptions
{
    public const string Section = "Cx:Personalization";

    /// <summary>Placements one decision request may name, at most.</summary>
    [Range(1, 50)]
    public int MaxPlacementsPerRequest { get; set; } = 20;

    /// <summary>The share of live decisions written to the decision log (0: none, 1: every one).</summary>
    [Range(0.0, 1.0)]
    public double DecisionLogSampleRate { get; set; } = 0.01;

    /// <summary>How long a logged decision is kept (Cosmos DB expires it by ttl).</summary>
    [Range(1, 365)]
    public int DecisionLogRetentionDays { get; set; } = 14;

    /// <summary>The request header that names the visitor's country (ISO 3166-1 alpha-2), as a CDN or proxy sets it.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9-]{1,64}$")]
    public string CountryHeader { get; set; } = "CF-IPCountry";
}
