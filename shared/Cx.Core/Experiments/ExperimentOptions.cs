using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Experiments;

/// <summary>Settings of experiments, bound from <c>Cx:Experiments</c>.</summary>
public sealed class ExperimentOptions
{
    public const string Section = "Cx:Experiments";

    /// <summary>Experiment documents, at most.</summary>
    [Range(1, 100_000)]
    public int MaxExperiments { get; set; } = 1000;
}
