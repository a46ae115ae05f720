using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Flags;

/// <summary>Settings of feature flags, bound from <c>Cx:Flags</c>.</summary>
public sealed class FlagOptions
{
    public const string Section = "Cx:Flags";

    /// <summary>Flag documents, at most (every published flag is compiled into each instance's memory).</summary>
    [Range(1, 10_000)]
    public int MaxFlags { get; set; } = 1000;

    /// <summary>
    /// Units whose parsed exposure documents stay in memory between evaluations (0: read the store on
    /// every evaluation). Used with SQLite storage only, where every write passes through this process
    /// and expires the unit's entry before it answers (ADR 0475); Cosmos DB reads on every evaluation.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ExposureCacheUnits { get; set; } = 10_000;
}
