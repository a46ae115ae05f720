using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Experiments;

/// <summary>Settings of experiments, bound from <c>Cx:Experiments</c>.</summary>
public sealed class ExperimentOptions
{
    public const string Section = "Cx:Experiments";

    /// <summary>Experiment documents, at most.</summary>
    [Range(1, 100_000)]
    public int MaxExperiments { get; set; } = 1000;

    /// <summary>
    /// NCRONTAB (six fields, seconds first) of the significance timer. The Functions host reads it as
    /// the app setting <c>Cx__Experiments__SignificanceSchedule</c> (<c>%...%</c> in the trigger); a
    /// DevHost without the setting runs no timer (start a run with <c>POST /api/v1/experiment-runs</c>).
    /// </summary>
    [Required]
    public string SignificanceSchedule { get; set; } = "0 0 3 * * *";

    /// <summary>The false-discovery rate of the run: Benjamini-Hochberg adjusted always-valid p-values below it are significant.</summary>
    [Range(0.0001, 0.5)]
    public double Alpha { get; set; } = 0.05;

    /// <summary>
    /// The mixing parameter φ of the mixture SPRT: the effect size, in per-unit standard deviations, the
    /// always-valid test is tuned to detect fastest (τ = φ σ). Smaller finds small effects sooner and large ones later.
    /// </summary>
    [Range(0.001, 10.0)]
    public double Mixing { get; set; } = 0.05;

    /// <summary>No decision before every arm has this many exposed units.</summary>
    [Range(2, 10_000_000)]
    public int MinUnitsPerArm { get; set; } = 100;

    /// <summary>Days before each unit's exposure whose events form its CUPED covariate (0: no CUPED).</summary>
    [Range(0, 365)]
    public int PrePeriodDays { get; set; } = 14;

    /// <summary>When a winner is written, serve it to every unit (status stays running) instead of ending the experiment.</summary>
    public bool PromoteWinner { get; set; }
}
