using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Personalization;

/// <summary>Settings of personalization, bound from <c>Cx:Personalization</c>.</summary>
public sealed class PersonalizationOptions
{
    public const string Section = "Cx:Personalization";

    /// <summary>Placements one decision request may name, at most.</summary>
    [Range(1, 50)]
    public int MaxPlacementsPerRequest { get; set; } = 20;
}
