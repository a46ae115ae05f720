namespace Cx.Core.Experiments;

/// <summary>What the significance run concluded for one experiment.</summary>
public static class ExperimentDecisions
{
    /// <summary>The primary metric crossed its boundary, no guardrail was harmed, the sample ratio held: the winner is written.</summary>
    public const string Winner = "winner";

    /// <summary>No arm crossed the primary metric's always-valid boundary yet.</summary>
    public const string NoDecision = "no-decision";

    /// <summary>The units per arm do not match the weights (chi-square p &lt; 0.001): nothing is trusted, nothing written.</summary>
    public const string SampleRatioMismatch = "sample-ratio-mismatch";

    /// <summary>The arm that won the primary metric harms a guardrail: nothing written.</summary>
    public const string GuardrailHarmed = "guardrail-harmed";

    /// <summary>An arm has fewer exposed units than <see cref="ExperimentOptions.MinUnitsPerArm"/>.</summary>
    public const string TooFewUnits = "too-few-units";
}

/// <summary>The units of one arm in the sample-ratio test.</summary>
public sealed record ArmUnits
{
    public string Variation { get; init; } = "";

    public long Units { get; init; }

    public int Weight { get; init; }
}

/// <summary>The sample-ratio-mismatch test of a run (property records: the document omits defaults).</summary>
public sealed record SampleRatioResult
{
    public double ChiSquare { get; init; }

    public int DegreesOfFreedom { get; init; }

    public double PValue { get; init; }

    public bool Mismatch { get; init; }

    public ArmUnits[] Arms { get; init; } = [];
}

/// <summary>
/// One arm on one metric: its units and mean (CUPED-adjusted when the metric has history) and,
/// for a treatment, the comparison with the control. Bounds that do not exist (too little data) are null.
/// </summary>
public sealed record ArmResult
{
    public string Variation { get; init; } = "";

    public long Units { get; init; }

    public double Mean { get; init; }

    public double? Effect { get; init; }

    public double? RelativeEffect { get; init; }

    /// <summary>The fixed-horizon 95 % (1 - alpha) interval of the effect: valid for one look only, shown for reference.</summary>
    public double? Lower { get; init; }

    public double? Upper { get; init; }

    /// <summary>The always-valid interval of the effect (mixture SPRT): the one decisions use.</summary>
    public double? SequentialLower { get; init; }

    public double? SequentialUpper { get; init; }

    public double? PValue { get; init; }

    public double? SequentialPValue { get; init; }

    /// <summary>The always-valid p-value adjusted by Benjamini-Hochberg over every metric and treatment arm of the experiment.</summary>
    public double? AdjustedPValue { get; init; }

    /// <summary>The adjusted p-value is below alpha.</summary>
    public bool Significant { get; init; }

    /// <summary>
    /// A guardrail with a tolerated harm: the effect at the margin (−tolerance·|control mean| for an
    /// increase metric, + for a decrease one). The arm's <see cref="AdjustedPValue"/> and
    /// <see cref="Significant"/> then belong to the test against this boundary.
    /// </summary>
    public double? Margin { get; init; }

    /// <summary>The fixed-horizon one-sided p-value of harm beyond <see cref="Margin"/> (for reference).</summary>
    public double? MarginPValue { get; init; }

    /// <summary>The always-valid p-value of the effect against <see cref="Margin"/> (the one decisions use).</summary>
    public double? MarginSequentialPValue { get; init; }

    /// <summary>A guardrail's treatment arm: significantly worse than its margin (0 without a tolerated harm).</summary>
    public bool? Harmed { get; init; }
}

/// <summary>One metric (primary or guardrail) of the run, per arm.</summary>
public sealed record MetricResult
{
    public string Metric { get; init; } = "";

    /// <summary><c>primary</c> or <c>guardrail</c>.</summary>
    public string Role { get; init; } = "";

    public string Kind { get; init; } = "";

    /// <summary><c>increase</c> or <c>decrease</c>: which way the metric improves (effects stay treatment minus control).</summary>
    public string Direction { get; init; } = "";

    /// <summary>The CUPED θ (0 when the metric has no pre-experiment history).</summary>
    public double Theta { get; init; }

    public ArmResult[] Arms { get; init; } = [];
}

/// <summary>The analysis of one experiment in one run: what the document receives when it decides.</summary>
public sealed record ExperimentAnalysis
{
    public string Experiment { get; init; } = "";

    /// <summary>The run (orchestration input) that computed it: the key of the idempotent write.</summary>
    public string RunId { get; init; } = "";

    public DateTimeOffset ComputedAt { get; init; }

    /// <summary>One of <see cref="ExperimentDecisions"/>.</summary>
    public string Decision { get; init; } = "";

    public string? Winner { get; init; }

    /// <summary>The variations that lost to the winner (archived when it is written).</summary>
    public string[] Losers { get; init; } = [];

    public double Alpha { get; init; }

    public double Mixing { get; init; }

    public SampleRatioResult? SampleRatio { get; init; }

    public MetricResult[] Metrics { get; init; } = [];
}

/// <summary>What a run did with one experiment: its analysis and whether the document was written.</summary>
public sealed record ExperimentRunOutcome(string Experiment, string Decision, string? Winner, string Write, ExperimentAnalysis Analysis);

/// <summary>The output of one significance orchestration.</summary>
public sealed record SignificanceRun(string RunId, ExperimentRunOutcome[] Experiments);

/// <summary>The input of the analysis activity.</summary>
public sealed record AnalyzeExperimentRequest(string RunId, string Experiment);

/// <summary>The state of the significance orchestration (the last run).</summary>
public sealed record SignificanceRunState(
    string InstanceId,
    string Status,
    string? RunId,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? LastUpdatedAt,
    SignificanceRun? Result,
    string? Failure
);

/// <summary>Starts and reads the singleton significance orchestration (the Durable client behind it is the host's).</summary>
public interface ISignificanceRuns
{
    /// <summary>Starts a run unless one is pending or running (then null).</summary>
    Task<SignificanceRunState?> StartAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The last run, or null before the first.</summary>
    Task<SignificanceRunState?> GetAsync(CancellationToken cancellationToken);
}
