using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Flags;

/// <summary>Settings of feature flags, bound from <c>Cx:Flags</c>.</summary>
public sealed class FlagOptions
{
    public const string Section = "Cx:Flags";

    /// <summary>Flag documents, at most (every published flag is compiled into each instance's memory).</summary>
    [Range(1, 10_000)]
    public int MaxFlags { get; set; } = 1000;
}
