using System.Text.Json.Serialization;
using Cx.Core.Common;

namespace Cx.Core.Experiments;

/// <summary>Where an experiment is in its life: only a running experiment assigns units.</summary>
public enum ExperimentStatus
{
    Draft,
    Running,
    Paused,
    Ended,
}

/// <summary>Whose id is the unit of assignment: a customer id or an anonymous id.</summary>
public enum ExperimentUnit
{
    Customer,
    Anonymous,
}

/// <summary>How a metric is computed per unit from its events after exposure.</summary>
public enum ExperimentMetricKind
{
    /// <summary>1 when the unit sent an event of <see cref="ExperimentMetric.Event"/> within the window after exposure, else 0.</summary>
    Conversion,

    /// <summary>The sum of a numeric property over the unit's events of that type.</summary>
    Sum,

    /// <summary>The mean of a numeric property over the unit's events of that type.</summary>
    Mean,
}

/// <summary>Which way a metric improves: up (conversions, revenue) or down (refunds, latency).</summary>
public enum ExperimentMetricDirection
{
    /// <summary>Higher is better (the default).</summary>
    Increase,

    /// <summary>Lower is better.</summary>
    Decrease,
}

/// <summary>What an experiment tests: exactly one of a feature flag or a placement.</summary>
public sealed record ExperimentTarget
{
    public string? Flag { get; init; }

    public string? Placement { get; init; }
}

/// <summary>
/// One arm of an experiment: its key, its allocation weight in basis points (the weights sum to
/// 10,000) and what it serves: a variation key of the flag, or a variant key of the placement.
/// </summary>
public sealed record ExperimentVariation
{
    public string Key { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int Weight { get; init; }

    public string Serves { get; init; } = "";

    public string? Description { get; init; }
}

/// <summary>A metric over events, per unit: a conversion within a window, or the sum or mean of a numeric property.</summary>
public sealed record ExperimentMetric
{
    public string Key { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ExperimentMetricKind Kind { get; init; } = ExperimentMetricKind.Conversion;

    /// <summary>The event type the metric reads.</summary>
    public string Event { get; init; } = "";

    /// <summary>The numeric event property summed or averaged (sum and mean only).</summary>
    public string? Property { get; init; }

    /// <summary>Hours after exposure in which events count (1-8,760; default 168, a week).</summary>
    public int? WindowHours { get; init; }

    /// <summary>
    /// Which way the metric improves (default <see cref="ExperimentMetricDirection.Increase"/>): a winner must
    /// move the primary metric this way; a guardrail is harmed when it moves significantly the other way.
    /// </summary>
    public ExperimentMetricDirection Direction { get; init; }

    /// <summary>
    /// Guardrails only: the harm tolerated, relative to the control's mean (0.02 = 2 %; 0 ≤ x &lt; 1).
    /// The winner is blocked only when the guardrail is significantly worse than this margin (a
    /// non-inferiority test against it); without it any significant harm blocks.
    /// </summary>
    public double? ToleratedHarm { get; init; }
}

/// <summary>
/// An experiment document: what it tests, its arms and their allocation, the unit, the primary
/// metric and guardrails, the planned dates and the status. Immutable; compares by value.
/// </summary>
public sealed record ExperimentDefinition
{
    public string Key { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public ExperimentTarget? Target { get; init; }

    /// <summary>The key of the control arm (one of <see cref="Variations"/>).</summary>
    public string Control { get; init; } = "";

    public EquatableArray<ExperimentVariation> Variations { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ExperimentUnit Unit { get; init; } = ExperimentUnit.Customer;

    public ExperimentMetric? PrimaryMetric { get; init; }

    public EquatableArray<ExperimentMetric> Guardrails { get; init; } = [];

    /// <summary>ISO 8601 instant the experiment starts.</summary>
    public string? Start { get; init; }

    /// <summary>ISO 8601 instant the experiment is planned to end (after <see cref="Start"/>).</summary>
    public string? PlannedEnd { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ExperimentStatus Status { get; init; } = ExperimentStatus.Draft;

    /// <summary>
    /// The winning variation, written by the significance run (never by a client): set only when the
    /// primary metric crossed its always-valid boundary, no guardrail was harmed and the sample ratio held.
    /// </summary>
    public string? Winner { get; init; }

    /// <summary>True when the significance run promoted the winner: every unit is then assigned the winner.</summary>
    public bool? Promoted { get; init; }

    /// <summary>The losing variations the significance run archived (kept in <see cref="Variations"/>, never deleted).</summary>
    public EquatableArray<string> ArchivedVariations { get; init; } = [];

    /// <summary>The results of the significance run that decided the experiment (written with <see cref="Winner"/>).</summary>
    public ExperimentAnalysis? Analysis { get; init; }
}

/// <summary>The document types of experiments.</summary>
public static class ExperimentDocuments
{
    /// <summary>Experiment documents: definitions container, partition <c>experiment</c>, id = key.</summary>
    public const string Experiment = "experiment";

    /// <summary>The type of the exposure events.</summary>
    public const string ExposureEvent = "experiment.exposure";

    /// <summary>The event id of a unit's exposure to an experiment: the event processor keeps one per unit and id.</summary>
    public static string ExposureEventId(string experimentKey) => "exposure:experiment:" + experimentKey;
}
